package dev.iotspring.core.queue;

/**
 * Queued messages in ascending sequence order, in two parallel ring arrays: 12 bytes a message instead of a
 * sorted-map entry, a boxed key and a {@link QueuedMessage} (about 80). Messages are only added at either end, so
 * the arrays stay sorted; the queue keeps whatever must go in between elsewhere. Not thread-safe: the queue holds
 * its lock. Grows by doubling and halves when three quarters are empty, so a drained burst does not keep its
 * arrays.
 */
final class SequenceRing {

    private static final int MIN_CAPACITY = 16;

    private long[] sequences = new long[MIN_CAPACITY];

    private OutboundMessage[] messages = new OutboundMessage[MIN_CAPACITY];

    /** Index of the first element; capacity is a power of two, so {@code & mask} wraps. */
    private int head;

    private int size;

    int size() {
        return this.size;
    }

    boolean isEmpty() {
        return this.size == 0;
    }

    long firstSequence() {
        return this.sequences[this.head];
    }

    long lastSequence() {
        return this.sequences[index(this.size - 1)];
    }

    void addLast(long sequence, OutboundMessage message) {
        growIfFull();
        int at = index(this.size);
        this.sequences[at] = sequence;
        this.messages[at] = message;
        this.size++;
    }

    void addFirst(long sequence, OutboundMessage message) {
        growIfFull();
        this.head = (this.head - 1) & (this.messages.length - 1);
        this.sequences[this.head] = sequence;
        this.messages[this.head] = message;
        this.size++;
    }

    QueuedMessage removeFirst() {
        QueuedMessage first = new QueuedMessage(this.sequences[this.head], this.messages[this.head]);
        this.messages[this.head] = null;
        this.head = index(1);
        this.size--;
        shrinkIfSparse();
        return first;
    }

    QueuedMessage removeLast() {
        int at = index(this.size - 1);
        QueuedMessage last = new QueuedMessage(this.sequences[at], this.messages[at]);
        this.messages[at] = null;
        this.size--;
        shrinkIfSparse();
        return last;
    }

    private int index(int offset) {
        return (this.head + offset) & (this.messages.length - 1);
    }

    private void growIfFull() {
        if (this.size == this.messages.length) {
            resize(this.messages.length << 1);
        }
    }

    private void shrinkIfSparse() {
        int capacity = this.messages.length;
        if (capacity > MIN_CAPACITY && this.size < (capacity >>> 2)) {
            resize(capacity >>> 1);
        }
    }

    /** Copies the elements, in order, to the front of new arrays of {@code capacity} (a power of two). */
    private void resize(int capacity) {
        long[] newSequences = new long[capacity];
        OutboundMessage[] newMessages = new OutboundMessage[capacity];
        int firstPart = Math.min(this.size, this.messages.length - this.head);
        System.arraycopy(this.sequences, this.head, newSequences, 0, firstPart);
        System.arraycopy(this.messages, this.head, newMessages, 0, firstPart);
        System.arraycopy(this.sequences, 0, newSequences, firstPart, this.size - firstPart);
        System.arraycopy(this.messages, 0, newMessages, firstPart, this.size - firstPart);
        this.sequences = newSequences;
        this.messages = newMessages;
        this.head = 0;
    }

    @Override
    public String toString() {
        return "SequenceRing[size=" + this.size + ", capacity=" + this.messages.length + "]";
    }
}
