package io.parley.notifications;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** A device registered a token for a platform this deployment does not send to. */
public class PushPlatformUnavailable extends ParleyException {

	public PushPlatformUnavailable(String platform) {
		super(HttpStatus.BAD_REQUEST, "push_platform_unavailable", "Push platform unavailable",
				"Push platform '" + platform + "' is not configured here");
	}
}
