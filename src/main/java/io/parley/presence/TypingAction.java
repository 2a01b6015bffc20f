package io.parley.presence;

/** The three typing frames a client sends, and the three signals a watcher receives. */
public enum TypingAction {

	START, RENEW, STOP;

	public String wireName() {
		return name().toLowerCase();
	}
}
