/**
 * How big one change to the policy set may be. A change is all or nothing, so every layer it
 * passes through must take a change this big and refuse a bigger one in a sentence: the CLI (files
 * and bytes it reads), the gateway (the body of resources.put), the API's input schemas, the
 * engine (as the domain calls it) and the event store (events in one append). Each derives its
 * limit from these numbers; none has one of its own.
 */
export const RESOURCES_PER_CHANGE = 10_000;

/**
 * Text one change may carry per resource on average (YAML or JSON as sent, file names and JSON
 * escaping included). A realistic policy is 1 to 2 KB; the rest leaves room for large ones. Not
 * more: the gateway reads YAML at about 2 MB a second, and a change must be validated and written
 * well within its request timeout (30 s by default).
 */
export const CHANGE_BYTES_PER_RESOURCE = 2_500;

/** The most text one change carries, and so the largest body the gateway takes for resources.put: 25 MB. */
export const CHANGE_BYTES = RESOURCES_PER_CHANGE * CHANGE_BYTES_PER_RESOURCE;

/** Events one change appends in one transaction: one per resource, and room for one about the change as a whole. */
export const EVENTS_PER_CHANGE = RESOURCES_PER_CHANGE + 1;

/** "10,000 resources and 25 MB": the limit as refusals state it. */
export const CHANGE_LIMIT_TEXT = `${RESOURCES_PER_CHANGE.toLocaleString('en-US')} resources and ${CHANGE_BYTES / 1_000_000} MB`;
