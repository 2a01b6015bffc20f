package io.parley.shared;

import org.springframework.http.HttpStatus;

/** Input that passed the shape checks but breaks a rule of ours (e.g. a password too long to hash). */
public class ValidationFailed extends ParleyException {

	public ValidationFailed(String detail) {
		super(HttpStatus.BAD_REQUEST, "validation_failed", "Validation failed", detail);
	}
}
