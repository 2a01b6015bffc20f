package io.parley.identity.internal;

import java.nio.charset.StandardCharsets;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import io.parley.identity.IdentitySettings;
import io.parley.shared.ProblemDetails;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;

import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.ReactiveJwtAuthenticationConverter;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may call what. Everything needs a valid access token except registration, login, refresh, the
 * static page, and the health and info endpoints; the other Actuator endpoints need the {@code ADMIN}
 * role, which the user ids in {@code parley.identity.admins} have. Browsers cannot put headers on a
 * WebSocket handshake or an EventSource, so {@code /ws} and {@code /sse} alone also accept the token
 * as the {@code access_token} query parameter.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	/** Paths whose browser clients cannot set headers (WebSocket, EventSource): the token may come as a query parameter. */
	static final java.util.Set<String> QUERY_TOKEN_PATHS = java.util.Set.of("/ws", "/sse");

	@Bean
	SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, JsonMapper json, IdentitySettings settings) {
		ServerAuthenticationEntryPoint unauthorized = (exchange, e) -> writeProblem(exchange.getResponse(), json,
				ProblemDetails.of(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
						"A valid access token is required (Authorization: Bearer <token>)"));
		ServerAccessDeniedHandler forbidden = (exchange, e) -> writeProblem(exchange.getResponse(), json,
				ProblemDetails.of(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "You may not do this"));

		return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.authorizeExchange(exchanges -> exchanges
				.pathMatchers(HttpMethod.POST, "/api/auth/register", "/api/auth/login", "/api/auth/refresh").permitAll()
				.pathMatchers(HttpMethod.GET, "/", "/index.html", "/app.js", "/style.css", "/favicon.ico", "/sdk/**").permitAll()
				.pathMatchers(HttpMethod.HEAD, "/", "/index.html", "/app.js", "/style.css", "/favicon.ico", "/sdk/**").permitAll()
				.pathMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
				.pathMatchers("/actuator/**").hasRole("ADMIN")
				.anyExchange().authenticated())
			.oauth2ResourceServer(resourceServer -> resourceServer
				.bearerTokenConverter(SecurityConfiguration::bearerToken)
				.authenticationEntryPoint(unauthorized)
				.accessDeniedHandler(forbidden)
				.jwt(jwt -> jwt.jwtAuthenticationConverter(authorities(settings))))
			.exceptionHandling(handling -> handling.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden))
			.build();
	}

	/** The {@code ADMIN} role for the user ids listed in {@code parley.identity.admins}; no other authority. */
	private static ReactiveJwtAuthenticationConverter authorities(IdentitySettings settings) {
		ReactiveJwtAuthenticationConverter converter = new ReactiveJwtAuthenticationConverter();
		converter.setJwtGrantedAuthoritiesConverter(jwt -> {
			try {
				return settings.isAdmin(java.util.UUID.fromString(jwt.getSubject()))
						? Flux.just(new SimpleGrantedAuthority("ROLE_ADMIN"))
						: Flux.empty();
			}
			catch (IllegalArgumentException notAnId) {
				return Flux.empty();
			}
		});
		return converter;
	}

	private static final ServerBearerTokenAuthenticationConverter HEADER_ONLY = new ServerBearerTokenAuthenticationConverter();

	private static final ServerBearerTokenAuthenticationConverter HEADER_OR_QUERY = new ServerBearerTokenAuthenticationConverter();

	static {
		HEADER_OR_QUERY.setAllowUriQueryParameter(true);
	}

	private static Mono<org.springframework.security.core.Authentication> bearerToken(ServerWebExchange exchange) {
		boolean headerless = QUERY_TOKEN_PATHS.contains(exchange.getRequest().getPath().pathWithinApplication().value());
		return (headerless ? HEADER_OR_QUERY : HEADER_ONLY).convert(exchange);
	}

	private static Mono<Void> writeProblem(ServerHttpResponse response, JsonMapper json, ProblemDetail problem) {
		response.setStatusCode(HttpStatus.valueOf(problem.getStatus()));
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (problem.getStatus() == 401) {
			response.getHeaders().set("WWW-Authenticate", "Bearer");
		}
		byte[] body = json.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}

	@Bean
	PasswordEncoder passwordEncoder() {
		return PasswordEncoderFactories.createDelegatingPasswordEncoder();
	}

	@Bean
	JwtEncoder jwtEncoder(IdentitySettings settings) {
		return new NimbusJwtEncoder(new ImmutableSecret<>(secretKey(settings)));
	}

	@Bean
	ReactiveJwtDecoder jwtDecoder(IdentitySettings settings) {
		NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withSecretKey(secretKey(settings))
			.macAlgorithm(MacAlgorithm.HS256)
			.build();
		// The subject must be an account id: a validly signed token with anything else is not ours.
		OAuth2TokenValidator<Jwt> subjectIsAccountId = jwt -> {
			try {
				java.util.UUID.fromString(String.valueOf(jwt.getSubject()));
				return OAuth2TokenValidatorResult.success();
			}
			catch (IllegalArgumentException e) {
				return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "subject is not an account id", null));
			}
		};
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(JwtValidators.createDefaultWithIssuer(settings.issuer()),
				subjectIsAccountId));
		return decoder;
	}

	private static SecretKey secretKey(IdentitySettings settings) {
		return new SecretKeySpec(settings.secretBytes(), "HmacSHA256");
	}
}
