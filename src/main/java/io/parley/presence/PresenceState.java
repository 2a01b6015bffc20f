package io.parley.presence;

/** What others see of a user: online (a device is live and active), away (every live device idle), offline. */
public enum PresenceState {

	ONLINE, AWAY, OFFLINE;

	/** The name on the wire and in Redis. */
	public String wireName() {
		return name().toLowerCase();
	}

	public static PresenceState fromWire(String name) {
		return valueOf(name.toUpperCase());
	}
}
