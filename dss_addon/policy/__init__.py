"""The pure access policy: no aiohttp, aiosqlite, jinja2, store or dss imports here."""
