package io.parley.shared;

import org.springframework.http.HttpStatus;

/** Something the caller asked for does not exist, or is not theirs to see (existence is not leaked). */
public class NotFound extends ParleyException {

	public NotFound(String code, String detail) {
		super(HttpStatus.NOT_FOUND, code, "Not found", detail);
	}
}
