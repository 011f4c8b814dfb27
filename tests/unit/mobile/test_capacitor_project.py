"""The Capacitor project as far as it can be checked without the Android SDK or Xcode."""

from __future__ import annotations

import json
import re
from pathlib import Path

MOBILE = Path(__file__).resolve().parents[3] / "mobile"


def test_package_json_names_capacitor_and_the_forwarder() -> None:
    package = json.loads((MOBILE / "package.json").read_text())
    deps = package["dependencies"]
    for name in ("@capacitor/core", "@capacitor/cli", "@capacitor/android", "@capacitor/ios"):
        assert re.match(r"^\^7\.", deps[name]), name  # Capacitor 8 needs Node 22; the machine has 20
    assert deps["@ibimina/sms-forwarder"] == "file:./forwarder"
    lock = json.loads((MOBILE / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == deps


def test_capacitor_config_points_at_the_pwa() -> None:
    config = json.loads((MOBILE / "capacitor.config.json").read_text())
    assert re.match(r"^[a-z]+(\.[a-z][a-z0-9_]*)+$", config["appId"])
    assert config["appName"] == "Ibimina"
    web = MOBILE / config["webDir"]
    assert (web / "index.html").is_file() and (web / "manifest.webmanifest").is_file()
    assert config["server"]["androidScheme"] == "https" and config["server"]["cleartext"] is False


def test_the_native_origins_are_the_ones_the_api_allows() -> None:
    from mobile.api.cors import NATIVE_ORIGINS

    config = json.loads((MOBILE / "capacitor.config.json").read_text())
    server = config["server"]
    assert f"{server['androidScheme']}://{server['hostname']}" in NATIVE_ORIGINS
    assert f"{server['iosScheme']}://{server['hostname']}" in NATIVE_ORIGINS
    pwa_config = json.loads((MOBILE / config["webDir"] / "config.json").read_text())
    assert pwa_config["apiBase"] == "" and pwa_config["nativeApiBase"].startswith("https://")


def test_the_forwarder_plugin_is_declared_for_android() -> None:
    plugin = MOBILE / "forwarder"
    package = json.loads((plugin / "package.json").read_text())
    android = plugin / package["capacitor"]["android"]["src"]
    assert (android / "build.gradle").is_file()
    manifest = (android / "src/main/AndroidManifest.xml").read_text()
    assert "android.permission.RECEIVE_SMS" in manifest
    assert "android.provider.Telephony.SMS_RECEIVED" in manifest
    assert 'android:permission="android.permission.BROADCAST_SMS"' in manifest
    java = android / "src/main/java/rw/ibimina/forwarder"
    assert '@CapacitorPlugin(\n    name = "SmsForwarder"' in (java / "SmsForwarderPlugin.java").read_text()
    assert "registerPlugin('SmsForwarder'" in (plugin / "src/index.js").read_text()
    methods = set(re.findall(r"^\s+(\w+)\(", (plugin / "src/definitions.ts").read_text(), re.M))
    java_methods = set(re.findall(r"@PluginMethod\s+public void (\w+)\(", (java / "SmsForwarderPlugin.java").read_text()))
    assert methods - {"checkPermissions"} == java_methods  # checkPermissions is Capacitor's own
