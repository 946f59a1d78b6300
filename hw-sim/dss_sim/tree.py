"""Builds the property tree: static parts once, model mirrors on every read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dss_sim.localtime import date_string
from dss_sim.model import Apartment, Device
from dss_sim.properties import PropNode, walk

if TYPE_CHECKING:
    from dss_sim.sim import Simulator

VERSION = "dSS v1.43.0 (git:7e07a9d6) (sim@dss-sim)"
DISTRO = "dSS-Sim 4.17.0 (digitalSTROM dSS-IP)"
# States registered by add-ons (scripts' State objects, provider service = the add-on): the only
# ones state/set?addon= may change (Apartment::getState).
ADDON_STATES = {("tado", "heating"): "inactive",
                ("system-addon-user-defined-states", "guests"): "inactive"}
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
    for (addon, name), value in ADDON_STATES.items():
        root.set(f"/usr/addon-states/{addon}/{name}/state", value)
    root.set("/scripts/system-addon-scene-responder/version", "1.0.5")
    root.set("/scripts/system-addon-timed-events/version", "1.2.1")
    remote_connectivity(root)
    root.child("system").add_child(sim.security.node)  # the live security tree
    return root


def remote_connectivity(root: PropNode) -> None:
    """The cloud connector's add-on data, as on a real appliance (dss-api.md §9 #17). Every
    value is invented for the simulator; none is a real credential."""
    base = "/scripts/system-addon-remote-connectivity"
    root.set(f"{base}/version", "2.4.1")
    root.set(f"{base}/token", "sim-rc-token-5d1e0c7a9b3f42e6a8c1d0f97e6b5a43")
    root.set(f"{base}/OSPToken", "sim-osp-7f3a2c9e1b0d4e5f8a6b7c2d3e4f5a6b")
    root.set(f"{base}/dSToken", "sim-dstoken-0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    root.set(f"{base}/cloud/accessToken", "sim-access-c0ffee00c0ffee00c0ffee00c0ffee00")
    root.set(f"{base}/cloud/refreshToken", "sim-refresh-deadbeefdeadbeefdeadbeefdeadbeef")
    root.set(f"{base}/cloud/expiresAt", 1893456000)
    root.set(f"{base}/relay/host", "relay.sim-cloud.invalid")
    root.set(f"{base}/relay/port", 443)
    root.set(f"{base}/relay/connected", True)
    root.set(f"{base}/mdns/enabled", True)


def refresh(sim: Simulator, root: PropNode) -> PropNode:
    """Replace the dynamic subtrees with fresh mirrors of the live state."""
    _mirror(root.replace_child(apartment_node(sim.apartment)))
    system = root.child("system")
    system.set("uptime", int(sim.clock.monotonic() - sim.started_at)).proxy = True
    system.set("time/current", int(sim.clock.time())).proxy = True
    return root


def _mirror(node: PropNode) -> None:
    """Model mirrors are proxy-linked on the dSS: a write of another type is a mismatch."""
    for _, child in walk(node):
        child.proxy = not child.is_container


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
            devs.add_child(device_node(dev, apt))
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
        # zone.cpp Zone::addToDSMeter: `zones/<id>` below the dSM IS the zone's node (an
        # alias of /apartment/zones/zone<id>), for every zone with a device on this dSM.
        mz = m.child("zones")
        for zid in sorted({d.zone_id for d in apt.devices.values()
                           if d.meter_dsuid == meter.dsuid}):
            zone_node = zones.children.get(f"zone{zid}")
            if zone_node is not None:
                mz.add_child(PropNode(str(zid), alias=zone_node))
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
