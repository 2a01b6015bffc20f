package io.parley.history;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of receipts and unread counts ({@code parley.receipts.*}).
 *
 * @param liveMembers conversations with at most this many members send each member's pointer moves
 *     live to the others ({@code receipt.updated}); larger groups ask over REST. 2 = 1:1 only
 * @param listUpTo receipt summaries list every member's pointer up to this many members
 * @param unreadScanLimit at most this many log entries are read to count one conversation's unread
 *     messages; above it the count is reported as capped
 */
@ConfigurationProperties("parley.receipts")
public record ReceiptSettings(@DefaultValue("2") int liveMembers, @DefaultValue("32") int listUpTo,
		@DefaultValue("1000") int unreadScanLimit) {
}
