package io.parley.shared;

import org.springframework.http.HttpStatus;

/**
 * A refused request, named after the fact that refused it. Carries the HTTP status and the stable,
 * machine-readable {@code code} that REST problem details and socket error frames both use.
 */
public abstract class ParleyException extends RuntimeException {

	private final HttpStatus status;
	private final String code;
	private final String title;

	protected ParleyException(HttpStatus status, String code, String title, String detail) {
		super(detail);
		this.status = status;
		this.code = code;
		this.title = title;
	}

	public HttpStatus status() {
		return status;
	}

	public String code() {
		return code;
	}

	public String title() {
		return title;
	}
}
