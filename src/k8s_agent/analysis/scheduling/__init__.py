"""Scheduling analysis: why a pod runs where it runs, or why it runs nowhere, the way kube-scheduler sees it.

Modules (each imports only the ones above it):

* ``message``: the scheduler's FailedScheduling text of every version, parsed; the failure categories.
* ``selectors``: matching as the scheduler matches (tolerations, node selector terms, label selectors).
* ``index``: the cluster grouped once per request (pods per node, their requests, host ports, ...).
* ``filters/``: one module per kube-scheduler filter plugin, in the registry ``filters.FILTERS``; a plugin too
  big for one module keeps its filter class there and its parts beside it (DynamicResources:
  ``dra_claims`` the pod's claims and requests, ``dra_devices`` a node's devices and each request's
  candidates, ``dra_allocate`` the allocator's search; its CEL selectors in ``device_cel`` with
  ``device_cel_syntax`` and ``device_cel_values``).
* ``evaluate``: every filter on every node -> ``FitReport`` (frozen ``NodeVerdict`` per node).
* ``simulate``: what kube-scheduler itself would write for the pod (see below).
* ``context``: what the analysis reads (``SchedulingInputs``); the pod's events, the scheduler's last message,
  the evaluation, gathered once.
* ``compare``: the evaluation against the scheduler's message (``discrepancies``, ``failureSummary``).
* ``explain``: the paragraph, the suggestions, the per-check counts.
* ``analyze``: the two answers from ``SchedulingInputs``, ``scheduling_answer`` (``/scheduling``) and
  ``explanation_answer`` (``/scheduling/explain``); ``analyze_scheduling`` and ``explain_scheduling`` take the
  same inputs as arguments.

Adding a filter plugin
----------------------
Write ``filters/<plugin>.py`` with a subclass of ``filters.base.Filter``:

* ``plugin = "<kube-scheduler plugin name>"`` and ``checks = (Check(name, plugin, category, wording), ...)``:
  its entries of the one vocabulary (check name as counted in the explain summary, failure category, and
  the reason kube-scheduler 1.36 writes);
* ``__init__(self, ctx: PodContext)``: compute what the pod needs once (``ctx.pod``, ``ctx.index`` which is
  None when the cluster's pods could not be read, ``ctx.pvcs``/``ctx.pvs``); pod-level findings go to
  ``ctx.notes`` and ``ctx.blockers`` (a ``Blocker`` with ``scheduler_text`` when the scheduler's PreFilter
  rejects the pod with that message);
* ``evaluate(self, node) -> Outcome``: ``failures`` (every problem, our words, each a ``Failure`` of one of
  its checks), ``scheduler_reasons`` (the exact reasons the scheduler records for the node at this plugin,
  empty when it would pass the node) and an optional frozen ``detail`` for explanations;
* optionally ``prefilter_reason(self, node)`` (a PreFilter result that writes nodes off before filtering),
  ``constant(self)`` (the outcome when it is the same on every node, for instance because the pod asks
  nothing this plugin checks: the evaluation then skips the plugin), and the classmethod
  ``suggest(cls, advice) -> list[str]`` (concrete fixes, from every node's outcome).

Then add the class to ``filters.FILTERS`` at its place in the default profile's filter order. Nothing else
changes: evaluation, suggestions, counts, the comparison and ``simulate`` loop over the registry. A filter that
needs cluster objects the context does not carry yet adds a field to ``PodContext`` and carries it in
through ``evaluate.StorageObjects`` (or a keyword of ``evaluate.evaluate_nodes`` and ``scheduler_view``), as
the StorageClasses, PVs, CSINodes, PVCs, VolumeAttachments, CSIDrivers and CSIStorageCapacities of
VolumeBinding and NodeVolumeLimits and the ResourceClaims, ResourceSlices and DeviceClasses of
DynamicResources (``filters.dynamic_resources.DeviceObjects``) are; a check the explain summary should count by name needs a field in
``schemas.scheduling.ExplainSummary``.

What the scheduler would write
------------------------------
``simulate.scheduler_view(pod, nodes, pods, pvcs, pvs) -> SchedulerView`` is pure. For each node it gives
the first failing filter plugin (``NodeResult.plugin``, "" when the node passes) and that plugin's reasons;
``reason_counts`` counts each reason once per node; ``message`` is the FailedScheduling text
``0/N nodes are available: <count> <reason>, ....`` exactly as kube-scheduler 1.36 writes it up to its
preemption suffix (reasons sorted as strings; a PreFilter rejection gives the uncounted message alone;
``no nodes available to schedule pods`` without nodes), or ``"fits"`` when some node passes. Filters not in
the registry are not evaluated; ``simulate``'s docstring lists what is left out.
"""
