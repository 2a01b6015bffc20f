package io.parley.notifications;

/** A push platform refused a notification for good (e.g. 4xx): re-sending would not help. */
public class PushRejected extends RuntimeException {

	private final boolean tokenGone;

	public PushRejected(String message, boolean tokenGone) {
		super(message);
		this.tokenGone = tokenGone;
	}

	/** The platform says the token no longer exists (HTTP 404/410): it is unregistered. */
	public boolean tokenGone() {
		return tokenGone;
	}
}
