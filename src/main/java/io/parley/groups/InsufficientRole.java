package io.parley.groups;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

public class InsufficientRole extends ParleyException {

	public InsufficientRole(String detail) {
		super(HttpStatus.FORBIDDEN, "insufficient_role", "Insufficient role", detail);
	}
}
