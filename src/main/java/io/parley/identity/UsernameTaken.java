package io.parley.identity;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

public class UsernameTaken extends ParleyException {

	public UsernameTaken(String username) {
		super(HttpStatus.CONFLICT, "username_taken", "Username taken", "The username '" + username + "' is already taken");
	}
}
