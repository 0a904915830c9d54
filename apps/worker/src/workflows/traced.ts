/** A rollout activity: its request, and the rollout's traceparent when its start was traced. */
type Activity<R, O> = (request: R, trace?: string) => Promise<O>;

/**
 * The activity with the rollout's trace passed on, so its span continues the start's (see
 * RolloutWorkflowInput.trace). The argument is added only when there is a trace, so an untraced
 * rollout schedules exactly the activities it always did.
 */
export const traced =
  <R, O>(activity: Activity<R, O>, trace: string | undefined) =>
  (request: R): Promise<O> =>
    trace ? activity(request, trace) : activity(request);
