package dev.iotspring.streamsea;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.queue.OutboundMessage;

/**
 * Sends the messages the dispatcher hands over as batches: consecutive messages of one stream, at most
 * {@code maxSize}, in one {@code {"payload": [..]}} request, with at most {@code requestsInFlight} requests
 * outstanding. The batch's answer completes the future of each of its messages: 2xx acknowledges all of them, a
 * rejection fails all of them, and a transient failure fails them and every message handed over after them (the
 * dispatcher sends all of those again, in order, so nothing held here may go out first).
 *
 * <p>A batch of one message is sent as that message alone ({@code {"payload": {..}}}), byte for byte as without
 * batching.
 */
final class BatchPublishSender implements MessageSender {

    private final StreamSeaPublishBatching batching;

    private final long maxWaitNanos;

    private final JsonMapper json;

    private final BiFunction<String, byte[], CompletableFuture<Void>> post;

    // Guarded by this.
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    private int requests;

    private Disposable timer = Disposables.disposed();

    private @Nullable Waiting timerFor;

    /**
     * @param post sends one request body to a stream; its future fails with a {@link MessageRejectedException}
     *     when the server refused it for good
     */
    BatchPublishSender(StreamSeaPublishBatching batching, JsonMapper json,
            BiFunction<String, byte[], CompletableFuture<Void>> post) {
        this.batching = batching;
        this.maxWaitNanos = batching.maxWait().toNanos();
        this.json = json;
        this.post = post;
    }

    @Override
    public CompletableFuture<Void> send(OutboundMessage message) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (this) {
            this.waiting.add(new Waiting(message, future, System.nanoTime()));
        }
        sendReadyBatches();
        return future;
    }

    /** HTTP has no connection to wait for: failures show per request and are retried with backoff. */
    @Override
    public boolean isReady() {
        return true;
    }

    /** Responses complete on the HTTP client's event loop, which must not wait for a commit or a callback. */
    @Override
    public boolean settlesOnCompletingThread() {
        return false;
    }

    /** Sends every batch that is ready while fewer than the allowed requests are outstanding. */
    private void sendReadyBatches() {
        List<List<Waiting>> ready = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            while (this.requests + ready.size() < this.batching.requestsInFlight() && !this.waiting.isEmpty()) {
                Waiting first = this.waiting.peek();
                int run = leadingRun(first.message().destination());
                // Closed when full or when a message of another stream follows; otherwise it may wait for more.
                boolean closed = run == this.batching.maxSize() || run < this.waiting.size();
                long waited = now - first.handedOverAt();
                if (!closed && waited < this.maxWaitNanos) {
                    if (this.timerFor != first || this.timer.isDisposed()) {
                        this.timer.dispose();
                        this.timerFor = first;
                        this.timer = Schedulers.parallel()
                            .schedule(this::sendReadyBatches, this.maxWaitNanos - waited, TimeUnit.NANOSECONDS);
                    }
                    break;
                }
                List<Waiting> batch = new ArrayList<>(run);
                for (int i = 0; i < run; i++) {
                    batch.add(this.waiting.poll());
                }
                ready.add(batch);
            }
            this.requests += ready.size();
        }
        ready.forEach(this::post);
    }

    /** How many waiting messages from the head on go to {@code stream}, at most a batch. */
    private int leadingRun(String stream) {
        int run = 0;
        for (Waiting next : this.waiting) {
            if (run == this.batching.maxSize() || !next.message().destination().equals(stream)) {
                break;
            }
            run++;
        }
        return run;
    }

    private void post(List<Waiting> batch) {
        String stream = batch.get(0).message().destination();
        CompletableFuture<Void> answer;
        try {
            answer = this.post.apply(stream, body(batch));
        }
        catch (RuntimeException ex) {
            answer = CompletableFuture.failedFuture(ex);
        }
        answer.whenComplete((ignored, failure) -> answered(batch, failure));
    }

    private void answered(List<Waiting> batch, @Nullable Throwable failure) {
        List<Waiting> failed = new ArrayList<>(batch);
        synchronized (this) {
            this.requests--;
            if (failure != null && !(unwrap(failure) instanceof MessageRejectedException)) {
                // The dispatcher puts these back after the batch, in order: they must not go out before it.
                failed.addAll(this.waiting);
                this.waiting.clear();
                this.timer.dispose();
            }
        }
        for (Waiting message : failed) {
            if (failure == null) {
                message.future().complete(null);
            }
            else {
                message.future().completeExceptionally(failure);
            }
        }
        sendReadyBatches();
    }

    /** {@code {"payload":[p1,p2,..]}} from the queued {@code {"payload":p}} envelopes, without parsing them. */
    private byte[] body(List<Waiting> batch) {
        if (batch.size() == 1) {
            return batch.get(0).message().payload();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(batch.size() * 128);
        out.writeBytes(PublishEnvelope.START);
        out.write('[');
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            byte[] envelope = batch.get(i).message().payload();
            if (PublishEnvelope.isCompact(envelope)) {
                out.write(envelope, PublishEnvelope.START.length, envelope.length - PublishEnvelope.START.length - 1);
            }
            else {
                // Not as this client writes it (a durable queue of another version?): read it properly.
                JsonNode payload = this.json.readTree(envelope).path("payload");
                out.writeBytes(this.json.writeValueAsBytes(payload));
            }
        }
        out.write(']');
        out.write('}');
        return out.toByteArray();
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private record Waiting(OutboundMessage message, CompletableFuture<Void> future, long handedOverAt) {
    }
}
