"""Builds the property tree: static parts once, model mirrors on every read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dss_sim.localtime import date_string
from dss_sim.model import Apartment, Device
from dss_sim.properties import PropNode
from dss_sim.security import Security

if TYPE_CHECKING:
    from dss_sim.sim import Simulator

VERSION = "dSS v1.43.0 (git:7e07a9d6) (sim@dss-sim)"
DISTRO = "dSS-Sim 4.17.0 (digitalSTROM dSS-IP)"
STATES = {"presence": "present", "hibernation": "awake", "fire": "inactive",
          "wind": "inactive", "rain": "inactive", "hail": "inactive", "alarm": "inactive",
          "alarm2": "inactive", "alarm3": "inactive", "alarm4": "inactive", "panic": "inactive",
          "frost": "inactive", "holiday": "inactive"}


def static_tree(sim: Simulator) -> PropNode:
    root = PropNode("")
    apt = sim.apartment
    root.set("/system/dSID", apt.dsid)
    root.set("/system/dSUID", apt.dsuid)
    root.set("/system/version/version", VERSION)
    root.set("/system/version/distroVersion", DISTRO)
    root.set("/system/host/interfaces/eth0/mac", "a8:99:5c:00:ab:12")
    root.set("/system/host/interfaces/eth0/ip", "192.168.1.20")
    root.set("/system/host/interfaces/eth0/netmask", "255.255.255.0")
    root.set("/system/js/logfiles/system-addon.log", "/var/log/dss/system-addon.log")
    web = "/config/subsystems/WebServer"
    root.set(f"{web}/listen", "8080")
    root.set(f"{web}/bindip", "0.0.0.0")  # noqa: S104 - a property value, not a bind
    root.set(f"{web}/trustedPort", 0)
    root.set(f"{web}/sessionTimeoutMinutes", max(1, round(sim.config.session_timeout / 60)))
    root.set(f"{web}/sessionLimit", sim.config.session_limit)
    root.set(f"{web}/sslcert", "/etc/dss/dsscert.pem")
    root.set(f"{web}/webroot", "/usr/share/dss-web/webroot")
    root.set("/config/datadirectory", "/usr/share/dss/data/")
    root.set("/config/configdirectory", "/etc/dss/")
    root.set("/config/webrootdirectory", "/usr/share/dss-web/webroot/")
    root.set("/config/digestfile", "")
    root.set("/config/webservice-api/base-url", "https://dsservices.aizo.com/")
    for name, value in STATES.items():
        root.set(f"/usr/states/{name}/state", value)
    root.set("/scripts/system-addon-scene-responder/version", "1.0.5")
    root.set("/scripts/system-addon-timed-events/version", "1.2.1")
    return root


def refresh(sim: Simulator, root: PropNode) -> PropNode:
    """Replace the dynamic subtrees with fresh mirrors of the live state."""
    root.children["apartment"] = apartment_node(sim.apartment)
    system = root.child("system")
    system.set("uptime", int(sim.clock.monotonic() - sim.started_at))
    system.set("time/current", int(sim.clock.time()))
    system.children["security"] = security_node(sim.security)
    return root


def apartment_node(apt: Apartment) -> PropNode:
    node = PropNode("apartment")
    node.set("name", apt.name)
    zones = node.child("zones")
    for zone in apt.zones.values():
        z = zones.child(f"zone{zone.id}")
        z.set("ZoneID", zone.id)
        z.set("name", zone.name)
        devs = z.child("devices")
        for dev in apt.devices_in(zone.id):
            devs.children[dev.dsuid] = device_node(dev, apt)
        groups = z.child("groups")
        for group in zone.groups.values():
            g = groups.child(f"group{group.id}")
            g.set("group", group.id)
            g.set("name", group.name)
            g.set("color", group.color)
            g.set("applicationType", group.application_type)
            g.set("lastCalledScene", group.last_called_scene)
            g.set("connectedDevices", len(apt.devices_in(zone.id, group.id)))
            scenes = g.child("scenes")
            for scene, title in sorted(group.scene_names.items()):
                scenes.set(f"scene{scene}/scene", scene)
                scenes.set(f"scene{scene}/name", title)
    meters = node.child("dSMeters")
    for meter in apt.meters.values():
        m = meters.child(meter.dsuid)
        for key, value in (("dSUID", meter.dsuid), ("dSID", meter.dsid), ("DisplayID",
                           meter.dsid[-8:]), ("name", meter.name), ("isValid", True),
                           ("isInitialized", True), ("present", meter.is_present),
                           ("busMemberType", 17), ("hardwareName", meter.hw_name),
                           ("powerConsumption", meter.base_power),
                           ("energyMeterValue", meter.base_power * 1000)):
            m.set(key, value)
        mz = m.child("zones")
        for zid in sorted({d.zone_id for d in apt.devices.values()
                           if d.meter_dsuid == meter.dsuid}):
            mz.set(f"zone{zid}/ZoneID", zid)
    return node


def device_node(dev: Device, apt: Apartment) -> PropNode:
    node = PropNode(dev.dsuid)
    meter = apt.meters.get(dev.meter_dsuid)
    for key, value in (("dSID", dev.dsid), ("DisplayID", dev.dsid[-8:]), ("dSUID", dev.dsuid),
                       ("present", dev.is_present), ("name", dev.name),
                       ("DSMeterDSID", meter.dsid if meter else ""),
                       ("DSMeterDSUID", dev.meter_dsuid), ("ZoneID", dev.zone_id),
                       ("functionID", dev.function_id), ("revisionID", dev.revision),
                       ("productID", dev.product_id), ("vendorID", 0), ("HWInfo", dev.hw_info),
                       ("GTIN", dev.gtin), ("lastCalledScene", dev.last_called_scene),
                       ("firstSeen", date_string(dev.first_seen))):
        node.set(key, value)
    if 1 in dev.groups and dev.has_output:
        node.set("status/outputs/brightness/targetValue", float(dev.value) * 100 / 255)
    return node


def security_node(security: Security) -> PropNode:
    node = PropNode("security")
    for user in security.users.values():
        node.set(f"users/{user.name}/password", user.password)
        node.set(f"users/{user.name}/salt", user.salt)
        node.set(f"users/{user.name}/role", "/system/security/roles/owner")
    node.set("users/system/password", "dummyvalue")
    node.set("users/system/salt", "dummyvalue")
    node.child("roles").child("owner")
    node.child("roles").child("system")
    tokens = node.child("applicationTokens")
    tokens.child("pending")
    tokens.child("enabled")
    for token, name in security.pending.items():
        tokens.set(f"pending/{token}/token", token)
        tokens.set(f"pending/{token}/applicationName", name)
    for token, info in security.enabled.items():
        tokens.set(f"enabled/{token}/token", token)
        tokens.set(f"enabled/{token}/applicationName", info.application_name)
        tokens.set(f"enabled/{token}/user", info.user)
    return node
