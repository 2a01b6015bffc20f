package io.parley.groups.web;

import java.security.Principal;
import java.util.List;
import java.util.UUID;

import io.parley.groups.Conversation;
import io.parley.groups.ConversationSummary;
import io.parley.groups.Role;
import io.parley.groups.internal.ConversationManagement;
import io.parley.identity.Accounts;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** Conversations and membership over REST. */
@RestController
@RequestMapping("/api/conversations")
class ConversationsController {

	record CreateGroup(@NotBlank @Size(max = 100) @Pattern(regexp = io.parley.shared.Text.WELL_FORMED,
			message = "must be well-formed text without NUL") String name, @Size(max = 256) List<@NotNull UUID> memberIds) {
	}

	record OpenDirect(@NotNull UUID userId) {
	}

	record AddMember(@NotNull UUID userId, @Pattern(regexp = "member|admin", message = "must be 'member' or 'admin'") String role) {
	}

	private final ConversationManagement conversations;

	ConversationsController(ConversationManagement conversations) {
		this.conversations = conversations;
	}

	@PostMapping
	@ResponseStatus(HttpStatus.CREATED)
	Mono<ConversationView> create(@Valid @RequestBody CreateGroup request, Principal principal) {
		return conversations.createGroup(Accounts.idOf(principal), request.name(), request.memberIds())
			.map(ConversationView::of);
	}

	@GetMapping
	Mono<List<ConversationView.Summary>> mine(Principal principal) {
		return conversations.listFor(Accounts.idOf(principal))
			.map(list -> list.stream().map(ConversationView.Summary::of).toList());
	}

	@GetMapping("/{id}")
	Mono<ConversationView> get(@PathVariable UUID id, Principal principal) {
		return conversations.get(id, Accounts.idOf(principal)).map(ConversationView::of);
	}

	@PostMapping("/direct")
	Mono<ConversationView> direct(@Valid @RequestBody OpenDirect request, Principal principal) {
		return conversations.direct(Accounts.idOf(principal), request.userId()).map(ConversationView::of);
	}

	@PostMapping("/{id}/members")
	Mono<ConversationView> addMember(@PathVariable UUID id, @Valid @RequestBody AddMember request, Principal principal) {
		Role role = request.role() == null ? Role.MEMBER : Role.fromWire(request.role());
		return conversations.addMember(id, Accounts.idOf(principal), request.userId(), role).map(ConversationView::of);
	}

	@DeleteMapping("/{id}/members/{userId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> removeMember(@PathVariable UUID id, @PathVariable UUID userId, Principal principal) {
		return conversations.removeMember(id, Accounts.idOf(principal), userId);
	}

	/** JSON shape of a conversation: enums in lower case, as the protocol documents. */
	record ConversationView(UUID id, String kind, String name, UUID createdBy, java.time.Instant createdAt,
			List<MemberView> members) {

		record MemberView(UUID userId, String username, String role, java.time.Instant joinedAt) {
		}

		record Summary(UUID id, String kind, String name, String role, int memberCount, java.time.Instant createdAt) {

			static Summary of(ConversationSummary s) {
				return new Summary(s.id(), s.kind().name().toLowerCase(), s.name(), s.role().wireName(), s.memberCount(),
						s.createdAt());
			}
		}

		static ConversationView of(Conversation c) {
			return new ConversationView(c.id(), c.kind().name().toLowerCase(), c.name(), c.createdBy(), c.createdAt(),
					c.members().stream().map(m -> new MemberView(m.userId(), m.username(), m.role().wireName(), m.joinedAt())).toList());
		}
	}
}
