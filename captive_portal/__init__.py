"""The open Wi-Fi segment: the captive handler (OS probes, splash, acceptance, RFC 8908 API)
and the renderers of its dnsmasq, nftables and hostapd configuration."""
