package io.parley.groups;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** The user to remove is not a member of the conversation. */
public class NotAMember extends ParleyException {

	public NotAMember(String detail) {
		super(HttpStatus.NOT_FOUND, "not_a_member", "Not a member", detail);
	}
}
