import asyncio
import signal
import sys
from pathlib import Path

from tests.support.clock import FakeClock
from tests.support.shares import all_shares, open_service

REPO = Path(__file__).resolve().parents[3]

# Creates shares until killed; prints each id only after create() returned (acknowledged).
CHILD = """
import asyncio, sys
from pathlib import Path
from tests.support.clock import FakeClock
from tests.support.shares import all_shares, OWNER, open_service, share_request

async def main() -> None:
    clock = FakeClock()
    async with open_service(Path(sys.argv[1]), clock) as service:
        while True:
            created = await service.create(share_request(clock.now()), OWNER)
            service.audit(created.share.id, "call", call="zone/callScene", allowed=True)
            print(created.share.id, flush=True)

asyncio.run(main())
"""


async def test_every_acknowledged_share_survives_sigkill(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(tmp_path),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    printed: list[str] = []
    try:
        while len(printed) < 25:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
            if not line:
                err = await proc.stderr.read()
                raise AssertionError(f"child exited early: {err.decode(errors='replace')}")
            printed.append(line.decode().strip())
        proc.send_signal(signal.SIGKILL)  # mid-stream: it keeps creating shares until here
    finally:
        if proc.returncode is None:
            proc.kill()
        rest, _ = await proc.communicate()
    printed += [line for line in rest.decode().split() if line]  # acknowledged before the kill
    assert proc.returncode == -signal.SIGKILL
    async with open_service(tmp_path, FakeClock()) as service:
        stored = {share.id for share in await all_shares(service)}
    assert set(printed) <= stored
    assert len(stored) >= 25
