package dev.iotspring.sample.stellanow;

import java.math.BigDecimal;
import java.time.Instant;

import dev.iotspring.stellanow.StellaNowEntity;
import dev.iotspring.stellanow.StellaNowEvent;

/**
 * A typed event as the {@code stellanow-cli} generator would describe it: the entity fields become the event's
 * entities, the others the payload ({@code transaction_id}, {@code total}, {@code paid_at}).
 */
@StellaNowEvent("store_receipt")
public record StoreReceipt(@StellaNowEntity("patron") String patron, @StellaNowEntity("local_shop") String localShop,
        String transactionId, BigDecimal total, Instant paidAt) {
}
