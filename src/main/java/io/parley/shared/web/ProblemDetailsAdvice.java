package io.parley.shared.web;

import io.parley.shared.ParleyException;
import io.parley.shared.ProblemDetails;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;

/**
 * Maps every refusal from a REST endpoint to an RFC 9457 problem detail with a stable {@code code},
 * so that clients switch on {@code code}, never on message text.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ProblemDetailsAdvice {

	private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

	@ExceptionHandler(ParleyException.class)
	ResponseEntity<ProblemDetail> refused(ParleyException e) {
		if (e instanceof io.parley.shared.TooManyRequests tooMany) {
			ProblemDetail problem = ProblemDetails.of(e);
			problem.setProperty("retryAfterSeconds", tooMany.retryAfterSeconds());
			return ResponseEntity.status(problem.getStatus())
				.header(org.springframework.http.HttpHeaders.RETRY_AFTER, Long.toString(tooMany.retryAfterSeconds()))
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.body(problem);
		}
		return problem(ProblemDetails.of(e));
	}

	@ExceptionHandler(WebExchangeBindException.class)
	ResponseEntity<ProblemDetail> invalid(WebExchangeBindException e) {
		return problem(ProblemDetails.of(HttpStatus.BAD_REQUEST, "validation_failed", "Validation failed",
				ProblemDetails.joinFieldErrors(e.getFieldErrors())));
	}

	@ExceptionHandler(HandlerMethodValidationException.class)
	ResponseEntity<ProblemDetail> invalidParameters(HandlerMethodValidationException e) {
		String detail = e.getParameterValidationResults()
			.stream()
			.map(r -> r.getMethodParameter().getParameterName() + ": "
					+ r.getResolvableErrors().stream().map(err -> err.getDefaultMessage()).findFirst().orElse("invalid"))
			.sorted()
			.collect(java.util.stream.Collectors.joining("; "));
		return problem(ProblemDetails.of(HttpStatus.BAD_REQUEST, "validation_failed", "Validation failed", detail));
	}

	@ExceptionHandler(ServerWebInputException.class)
	ResponseEntity<ProblemDetail> unreadable(ServerWebInputException e) {
		String detail = e.getMethodParameter() != null && e.getMethodParameter().getParameterName() != null
				&& !e.getMethodParameter().hasParameterAnnotation(org.springframework.web.bind.annotation.RequestBody.class)
						? "Invalid value for '" + e.getMethodParameter().getParameterName() + "'"
						: "The request body is missing or is not valid JSON of the expected shape";
		return problem(ProblemDetails.of(HttpStatus.BAD_REQUEST, "validation_failed", "Validation failed", detail));
	}

	@ExceptionHandler(ResponseStatusException.class)
	ResponseEntity<ProblemDetail> status(ResponseStatusException e) {
		String code = switch (e.getStatusCode().value()) {
			case 404 -> "not_found";
			case 405 -> "method_not_allowed";
			case 406 -> "not_acceptable";
			case 413 -> "payload_too_large";
			case 415 -> "unsupported_media_type";
			default -> e.getStatusCode().is4xxClientError() ? "bad_request" : "internal_error";
		};
		return problem(ProblemDetails.of(e.getStatusCode(), code, null, e.getReason()));
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> unexpected(Exception e) {
		log.error("Unexpected error while handling a request", e);
		return problem(ProblemDetails.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "Internal error",
				"Something went wrong on our side; the request was not completed"));
	}

	private static ResponseEntity<ProblemDetail> problem(ProblemDetail problem) {
		return ResponseEntity.status(problem.getStatus())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}
}
