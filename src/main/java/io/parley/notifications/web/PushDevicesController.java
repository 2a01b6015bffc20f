package io.parley.notifications.web;

import java.security.Principal;
import java.util.List;
import java.util.UUID;

import io.parley.identity.Accounts;
import io.parley.notifications.PushDevices;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** Push tokens of the caller's devices, and muting conversations. */
@RestController
class PushDevicesController {

	record Registration(@NotBlank @Pattern(regexp = "[a-z]{1,16}") String platform, @NotBlank @Size(max = 4096) @Pattern(regexp = io.parley.shared.Text.WELL_FORMED, message = "must be well-formed text (no NUL, no unpaired surrogate)") String token) {
	}

	private final PushDevices devices;

	PushDevicesController(PushDevices devices) {
		this.devices = devices;
	}

	@PostMapping("/api/me/push-tokens")
	@ResponseStatus(HttpStatus.CREATED)
	Mono<PushDevices.Device> register(@Valid @RequestBody Registration registration, Principal principal) {
		return devices.register(Accounts.idOf(principal), registration.platform(), registration.token());
	}

	@GetMapping("/api/me/push-tokens")
	Mono<List<PushDevices.Device>> list(Principal principal) {
		return devices.devices(Accounts.idOf(principal));
	}

	@DeleteMapping("/api/me/push-tokens/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> unregister(@PathVariable UUID id, Principal principal) {
		return devices.unregister(Accounts.idOf(principal), id);
	}

	@PutMapping("/api/conversations/{id}/mute")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> mute(@PathVariable UUID id, Principal principal) {
		return devices.mute(Accounts.idOf(principal), id, true);
	}

	@DeleteMapping("/api/conversations/{id}/mute")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> unmute(@PathVariable UUID id, Principal principal) {
		return devices.mute(Accounts.idOf(principal), id, false);
	}
}
