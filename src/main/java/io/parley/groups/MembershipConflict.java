package io.parley.groups;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** A membership change that the conversation's rules forbid (owner leaving, changing a 1:1). */
public class MembershipConflict extends ParleyException {

	public MembershipConflict(String code, String detail) {
		super(HttpStatus.CONFLICT, code, "Membership conflict", detail);
	}
}
