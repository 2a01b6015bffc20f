package io.parley.presence.web;

import java.security.Principal;
import java.util.List;
import java.util.UUID;

import io.parley.identity.Accounts;
import io.parley.presence.Presence;
import io.parley.presence.UserPresence;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** Presence over REST: a batch query, and the caller's own privacy setting. */
@RestController
@RequestMapping("/api")
class PresenceController {

	record PresenceView(UUID userId, String status, java.time.Instant lastSeen) {

		static PresenceView of(UserPresence p) {
			return new PresenceView(p.userId(), p.status().wireName(), p.lastSeen());
		}
	}

	record Users(List<PresenceView> users) {
	}

	record Privacy(@NotNull Boolean hideLastSeen) {
	}

	private final Presence presence;

	PresenceController(Presence presence) {
		this.presence = presence;
	}

	/** Users the caller may not see (no shared conversation) are left out of the answer. */
	@GetMapping("/presence")
	Mono<Users> presence(@RequestParam List<UUID> userIds, Principal principal) {
		return presence.lookup(Accounts.idOf(principal), userIds)
			.map(users -> new Users(users.stream().map(PresenceView::of).toList()));
	}

	@GetMapping("/me/privacy")
	Mono<Privacy> privacy(Principal principal) {
		return presence.hidesLastSeen(Accounts.idOf(principal)).map(Privacy::new);
	}

	@PutMapping("/me/privacy")
	Mono<Privacy> setPrivacy(@Valid @RequestBody Privacy privacy, Principal principal) {
		return presence.hideLastSeen(Accounts.idOf(principal), privacy.hideLastSeen()).thenReturn(privacy);
	}
}
