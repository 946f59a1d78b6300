"""JSON shapes of model objects (DEVICE, GROUP, METER) as the dSS emits them."""

from __future__ import annotations

from typing import Any

from dss_sim.localtime import date_string
from dss_sim.model import Apartment, Device, Group, Meter, Zone


def device_json(dev: Device, apt: Apartment) -> dict[str, Any]:
    meter = apt.meters.get(dev.meter_dsuid)
    channels = [{"channelId": "brightness", "channelType": 1, "channelIndex": 0,
                 "channelName": "Brightness"}] if dev.has_output else []
    if 2 in dev.groups and dev.has_output:
        channels = [{"channelId": "shadePositionOutside", "channelType": 2, "channelIndex": 0,
                     "channelName": "Shade Position Outside"}]
    return {
        "id": dev.dsid, "DisplayID": dev.dsid[-8:], "dSUID": dev.dsuid, "GTIN": dev.gtin,
        "name": dev.name, "dSUIDIndex": 0, "functionID": dev.function_id,
        "productRevision": dev.revision, "productID": dev.product_id, "hwInfo": dev.hw_info,
        "OemStatus": "None", "OemEanNumber": "0", "OemSerialNumber": 0, "OemPartNumber": 0,
        "OemProductInfoState": "None", "OemProductURL": "", "OemInternetState": "No EAN",
        "OemIsIndependent": True,
        "modelFeatures": {"dontcare": True, "blink": True, "outmode": dev.has_output},
        "isVdcDevice": False,
        "meterDSID": meter.dsid if meter else "", "meterDSUID": dev.meter_dsuid,
        "meterName": meter.name if meter else "", "busID": dev.bus_id, "zoneID": dev.zone_id,
        "isPresent": dev.is_present, "isValid": True,
        "lastDiscovered": date_string(dev.first_seen + 86400),
        "firstSeen": date_string(dev.first_seen), "inactiveSince": date_string(0),
        "on": dev.is_on, "locked": False, "configurationLocked": False,
        "outputMode": dev.output_mode, "buttonID": dev.button_id,
        "buttonActiveGroup": dev.groups[0] if dev.groups else 0,
        "buttonGroupMembership": dev.groups[0] if dev.groups else 0,
        "buttonInputMode": 0, "buttonInputIndex": 0, "buttonInputCount": 1,
        "AKMInputProperty": "", "groups": list(dev.groups),
        "binaryInputCount": 0, "binaryInputs": [],
        "sensorInputCount": len(dev.sensors),
        "sensors": [{"type": t, "valid": True, "value": v} for t, v in dev.sensors],
        "sensorDataValid": bool(dev.sensors), "outputChannels": channels, "pairedDevices": [],
    }


def group_json(group: Group, zone: Zone, apt: Apartment) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "color": group.color,
            "applicationType": group.application_type, "isPresent": True, "isValid": True,
            "devices": [d.dsuid for d in apt.devices_in(zone.id, group.id)]}


def zone_json(zone: Zone, apt: Apartment) -> dict[str, Any]:
    return {"id": zone.id, "name": zone.name, "isPresent": True,
            "devices": [device_json(d, apt) for d in apt.devices_in(zone.id)],
            "groups": [group_json(g, zone, apt) for g in zone.groups.values()]}


def meter_json(meter: Meter, apt: Apartment) -> dict[str, Any]:
    has_devices = any(d.meter_dsuid == meter.dsuid for d in apt.devices.values())
    return {"name": meter.name, "dsid": meter.dsid, "dSUID": meter.dsuid,
            "DisplayID": meter.dsid[-8:], "hwVersion": 0, "hwVersionString": "11.1.10.0",
            "swVersion": meter.sw_version, "armSwVersion": meter.sw_version,
            "dspSwVersion": "1.14.2.0", "apiVersion": 775, "hwName": meter.hw_name,
            "isPresent": meter.is_present, "isValid": True, "busMemberType": 17,
            "hasDevices": has_devices, "hasMetering": meter.has_metering, "VdcConfigURL": "",
            "VdcModelUID": "", "VdcHardwareGuid": "", "VdcHardwareModelGuid": "",
            "VdcImplementationId": "", "VdcVendorGuid": "", "VdcOemGuid": "",
            "ignoreActionsFromNewDevices": False}
