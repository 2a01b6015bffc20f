package io.parley.history.web;

import java.security.Principal;
import java.util.UUID;

import io.parley.history.ReadPointer;
import io.parley.history.ReadPointers;
import io.parley.history.ReceiptSummary;
import io.parley.history.UnreadCounts;
import io.parley.identity.Accounts;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** Mark delivered and read, unread counts, and "read by N of M". */
@RestController
class ReceiptsController {

	record UpTo(@NotNull @Min(0) Long seq) {
	}

	private final ReadPointers pointers;

	ReceiptsController(ReadPointers pointers) {
		this.pointers = pointers;
	}

	@PostMapping("/api/conversations/{id}/read")
	Mono<ReadPointer> read(@PathVariable UUID id, @Valid @RequestBody UpTo upTo, Principal principal) {
		return pointers.advance(id, Accounts.idOf(principal), upTo.seq(), upTo.seq());
	}

	@PostMapping("/api/conversations/{id}/delivered")
	Mono<ReadPointer> delivered(@PathVariable UUID id, @Valid @RequestBody UpTo upTo, Principal principal) {
		return pointers.advance(id, Accounts.idOf(principal), upTo.seq(), 0);
	}

	@GetMapping("/api/me/unread")
	Mono<UnreadCounts> unread(Principal principal) {
		return pointers.unread(Accounts.idOf(principal));
	}

	@GetMapping("/api/conversations/{id}/receipts")
	Mono<ReceiptSummary> receipts(@PathVariable UUID id, @RequestParam(required = false) @Min(1) Long seq,
			Principal principal) {
		return pointers.receipts(id, Accounts.idOf(principal), seq);
	}
}
