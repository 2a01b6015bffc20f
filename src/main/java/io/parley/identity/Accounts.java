package io.parley.identity;

import java.security.Principal;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import reactor.core.publisher.Mono;

/** The identity module's public API: look up accounts. Blocking variants are for non-reactive callers. */
public interface Accounts {

	Mono<Account> findById(UUID id);

	Mono<Account> findByUsername(String username);

	/** Blocking: for callers already off the event loop (JDBC transactions in other modules). */
	Optional<Account> findByIdNow(UUID id);

	/** Blocking: usernames of the given accounts; unknown ids are left out. */
	Map<UUID, String> usernamesNow(Collection<UUID> ids);

	/** The account id of an authenticated caller: the subject of its access token. */
	static UUID idOf(Principal principal) {
		return UUID.fromString(principal.getName());
	}
}
