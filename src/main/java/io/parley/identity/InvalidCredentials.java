package io.parley.identity;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** Wrong username or password; which one is deliberately not said. */
public class InvalidCredentials extends ParleyException {

	public InvalidCredentials() {
		super(HttpStatus.UNAUTHORIZED, "invalid_credentials", "Invalid credentials", "Wrong username or password");
	}
}
