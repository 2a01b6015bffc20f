package io.parley.groups;

/** A member's role in a conversation. */
public enum Role {

	OWNER, ADMIN, MEMBER;

	public String wireName() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

	public static Role fromWire(String name) {
		return valueOf(name.toUpperCase(java.util.Locale.ROOT));
	}
}
