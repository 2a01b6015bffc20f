package io.parley.groups;

public enum ConversationKind {
	GROUP, DIRECT
}
