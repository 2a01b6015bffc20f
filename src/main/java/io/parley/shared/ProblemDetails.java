package io.parley.shared;

import java.net.URI;
import java.util.stream.Collectors;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Builds RFC 9457 problem details that always carry a stable {@code code}. */
public final class ProblemDetails {

	private static final String TYPE_BASE = "https://parley.dev/problems/";

	private ProblemDetails() {
	}

	public static ProblemDetail of(HttpStatusCode status, String code, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(URI.create(TYPE_BASE + code.replace('_', '-')));
		problem.setTitle(title != null ? title : titleOf(status));
		problem.setProperty("code", code);
		return problem;
	}

	public static ProblemDetail of(ParleyException e) {
		return of(e.status(), e.code(), e.title(), e.getMessage());
	}

	private static String titleOf(HttpStatusCode status) {
		HttpStatus known = HttpStatus.resolve(status.value());
		return known != null ? known.getReasonPhrase() : "Error";
	}

	/** "field: reason" pairs in one readable sentence. */
	public static String joinFieldErrors(java.util.List<org.springframework.validation.FieldError> errors) {
		return errors.stream()
			.map(e -> e.getField() + ": " + e.getDefaultMessage())
			.sorted()
			.collect(Collectors.joining("; "));
	}
}
