package io.parley.history.web;

import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.history.MessagePage;
import io.parley.history.StoredMessage;
import io.parley.identity.Accounts;
import io.parley.shared.NotFound;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** Pages a conversation's history, newest first, for its members. */
@RestController
class MessagesController {

	@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
	record MessageView(UUID conversationId, String messageId, long seq, String kind, UUID senderId, String clientMessageId,
			String body, Instant sentAt, Long targetSeq, int version, Instant editedAt, boolean deleted, String ciphertext) {

		/** The ciphertext as standard base64, exactly the bytes the sender attached. */
		static MessageView of(StoredMessage m) {
			return new MessageView(m.conversationId(), Long.toString(m.messageId()), m.seq(), m.kind().wireName(), m.senderId(),
					m.clientMessageId(), m.body(), m.sentAt(), m.targetSeq(), m.version(), m.editedAt(), m.deleted(),
					m.ciphertext() == null ? null : java.util.Base64.getEncoder().encodeToString(m.ciphertext()));
		}
	}

	record PageView(List<MessageView> messages, boolean hasMore, Long nextBefore) {

		static PageView of(MessagePage page) {
			return new PageView(page.messages().stream().map(MessageView::of).toList(), page.hasMore(), page.nextBefore());
		}
	}

	private final MessageLog log;
	private final Conversations conversations;

	MessagesController(MessageLog log, Conversations conversations) {
		this.log = log;
		this.conversations = conversations;
	}

	@GetMapping("/api/conversations/{id}/messages")
	Mono<PageView> page(@PathVariable UUID id, @RequestParam(required = false) @Min(1) Long before,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit, Principal principal) {
		// A member reads the log after the point where they joined (0 for founding members).
		return conversations.joinSeq(id, Accounts.idOf(principal))
			.flatMap(joinSeq -> joinSeq.isPresent() ? log.page(id, before, joinSeq.get(), limit)
					: Mono.error(new NotFound("conversation_not_found", "No conversation " + id + " that you belong to")))
			.map(PageView::of);
	}
}
