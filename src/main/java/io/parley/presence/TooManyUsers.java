package io.parley.presence;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** A presence subscription or query named more users than {@code parley.presence.max-users}. */
public class TooManyUsers extends ParleyException {

	public TooManyUsers(int asked, int limit) {
		super(HttpStatus.BAD_REQUEST, "too_many_users", "Too many users",
				"Asked about " + asked + " users; at most " + limit + " at a time");
	}
}
