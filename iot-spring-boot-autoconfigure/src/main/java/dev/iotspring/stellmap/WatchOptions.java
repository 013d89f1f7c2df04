package dev.iotspring.stellmap;

/**
 * What to watch and from where.
 *
 * @param query the filters (the same as for a query)
 * @param sinceRevision resume after this revision; 0 starts fresh
 * @param includeSnapshot whether a fresh start (or a resume the server can no longer serve from history) begins
 *     with a snapshot; with {@code false} an expired revision is answered with 410, after which the watch
 *     rebuilds from a new snapshot anyway
 */
public record WatchOptions(InstanceQuery query, long sinceRevision, boolean includeSnapshot) {

    public WatchOptions {
        if (sinceRevision < 0) {
            throw new StellMapValidationException("sinceRevision", "must be >= 0");
        }
    }

    /** Snapshot first, then live changes. */
    public static WatchOptions of(InstanceQuery query) {
        return new WatchOptions(query, 0, true);
    }

    public WatchOptions sinceRevision(long revision) {
        return new WatchOptions(this.query, revision, this.includeSnapshot);
    }

    public WatchOptions includeSnapshot(boolean include) {
        return new WatchOptions(this.query, this.sinceRevision, include);
    }
}
