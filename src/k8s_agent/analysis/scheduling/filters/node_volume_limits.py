"""NodeVolumeLimits (``plugins/nodevolumelimits/csi.go``): a node whose CSINode gives a CSI driver an
attach limit (``spec.drivers[].allocatable.count``) takes the pod only if the volumes of that driver
already attached there plus the pod's new ones stay within it.

* The pod's volumes: each PVC (and generic ephemeral claim ``<pod>-<volume>``) counts as the CSI volume of
  its bound PV (driver and volume handle), or, while unbound, as a new volume of its StorageClass's
  provisioner. In-tree disks migrated to CSI (AWS EBS, GCE PD, Azure Disk, Cinder, Portworx: PVs, inline
  pod volumes and classes with the in-tree provisioner) count under their CSI driver, with the volume handle
  the CSI translation gives them; other PVs that are not CSI count for nothing.
* Attached on the node: the same for every pod bound to it, plus the VolumeAttachments of the node (its
  attacher and the PV's volume handle); a volume the pod shares with them is not new.
* Over the limit for some driver: "node(s) exceed max volume count".

Needs CSINodes, every PVC, every PV and the VolumeAttachments (optional reads: without them the filter is
not evaluated and a note says so). Not evaluated: the drivers' ``preventPodSchedulingIfMissing`` opt-in
(VolumeLimitScaling), CSI inline ephemeral volumes (the scheduler counts none), the migrated in-tree disks of a
VolumeAttachment that names no PV.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8s_agent.analysis.scheduling.filters.base import (
    PASS,
    Advice,
    Check,
    Filter,
    Outcome,
    PodContext,
    detail_reader,
    failure,
    names,
    nodes_word,
)
from k8s_agent.analysis.scheduling.filters.volumes import claim_class
from k8s_agent.analysis.scheduling.message import VOLUME_ATTACHMENT
from k8s_agent.kube.models import Node, PersistentVolume, PersistentVolumeClaim, Pod, Volume
from k8s_agent.kube.models.pod import DiskVolumeSource

VOLUME_LIMITS = Check(
    "VolumeLimits", "NodeVolumeLimits", VOLUME_ATTACHMENT, "node(s) exceed max volume count"
)


#: in-tree volume plugins whose volumes the scheduler counts under the CSI driver they migrated to (1.36:
#: ``nodevolumelimits/utils.go`` isCSIMigrationOn, driver names of csi-translation-lib)
MIGRATED = {
    "kubernetes.io/aws-ebs": "ebs.csi.aws.com",
    "kubernetes.io/gce-pd": "pd.csi.storage.gke.io",
    "kubernetes.io/azure-disk": "disk.csi.azure.com",
    "kubernetes.io/cinder": "cinder.csi.openstack.org",
    "kubernetes.io/portworx-volume": "pxd.portworx.com",
}
_ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")


def _ebs_id(volume_id: str) -> str:
    """``aws://<zone>/vol-1`` -> ``vol-1`` (a bare ID stays as it is)."""
    return volume_id.rstrip("/").rsplit("/", 1)[-1] if volume_id.startswith("aws://") else volume_id


def _disk(
    ebs: DiskVolumeSource | None,
    gce: DiskVolumeSource | None,
    azure: DiskVolumeSource | None,
    cinder: DiskVolumeSource | None,
    portworx: DiskVolumeSource | None,
    zone: str,
) -> tuple[str, str] | None:
    if ebs is not None and ebs.volume_id:
        return MIGRATED["kubernetes.io/aws-ebs"], _ebs_id(ebs.volume_id)
    if gce is not None and gce.pd_name:
        zones = [z for z in zone.split("__") if z]
        if len(zones) > 1:
            where = f"regions/{zones[0].rsplit('-', 1)[0]}"
        else:
            where = f"zones/{zones[0] if zones else 'UNSPECIFIED'}"
        return MIGRATED["kubernetes.io/gce-pd"], f"projects/UNSPECIFIED/{where}/disks/{gce.pd_name}"
    if azure is not None and azure.disk_uri:
        return MIGRATED["kubernetes.io/azure-disk"], azure.disk_uri
    if cinder is not None and cinder.volume_id:
        return MIGRATED["kubernetes.io/cinder"], cinder.volume_id
    if portworx is not None and portworx.volume_id:
        return MIGRATED["kubernetes.io/portworx-volume"], portworx.volume_id
    return None


def inline_disk(vol: Volume) -> tuple[str, str] | None:
    """(CSI driver, volume handle) of an in-tree disk written in the pod spec, as CSI migration translates it."""
    return _disk(
        vol.aws_elastic_block_store,
        vol.gce_persistent_disk,
        vol.azure_disk,
        vol.cinder,
        vol.portworx_volume,
        "",
    )


def pv_volume(pv: PersistentVolume) -> tuple[str, str]:
    """(CSI driver, volume handle) of a PV: its CSI source, or its migrated in-tree disk; ("", "") else."""
    if pv.spec.csi is not None:
        return pv.spec.csi.driver, pv.spec.csi.volume_handle
    sp = pv.spec
    labels = pv.metadata.labels
    zone = next((labels[k] for k in _ZONE_LABELS if labels.get(k)), "")
    disk = _disk(
        sp.aws_elastic_block_store, sp.gce_persistent_disk, sp.azure_disk, sp.cinder, sp.portworx_volume, zone
    )
    return disk if disk is not None else ("", "")


@dataclass(frozen=True, slots=True)
class LimitDetail:
    driver: str
    attached: int
    new: int
    limit: int


#: the LimitDetail of an outcome of this filter (None for one without it, such as PASS)
detail = detail_reader(LimitDetail)


class NodeVolumeLimits(Filter):
    plugin = "NodeVolumeLimits"
    checks = (VOLUME_LIMITS,)

    def __init__(self, ctx: PodContext) -> None:
        super().__init__(ctx)
        pod = ctx.pod
        self.active = False
        self.new: dict[str, str] = {}
        if not any(
            v.persistent_volume_claim is not None or v.ephemeral is not None or inline_disk(v) is not None
            for v in pod.spec.volumes
        ):
            return
        if ctx.csi_limits is None:
            return  # not read: the service reads CSINodes only for pods with claims (warnings say why not)
        if not any(ctx.csi_limits.values()):
            return  # no node publishes a limit: nothing to exceed
        if ctx.all_pvcs is None or ctx.all_pvs is None or ctx.index is None:
            ctx.notes.append(
                "the PVCs, PVs or pods of the cluster could not be read: CSI volume attach limits were not evaluated"
            )
            return
        self.pvs: dict[str, PersistentVolume] = {pv.metadata.name: pv for pv in ctx.all_pvs}
        self.pvs.update(ctx.pvs)
        self.new = self._volumes(pod, own=True)
        self.active = bool(self.new)
        self.attachments: dict[str, list[tuple[str, str]]] = {}
        for va in ctx.attachments:
            src = va.spec.source.persistent_volume_name
            if not va.spec.attacher or not src:
                continue
            pv = self.pvs.get(src)
            if pv is None:
                continue
            driver, handle = pv_volume(pv)
            if not handle:
                continue
            self.attachments.setdefault(va.spec.node_name, []).append(
                (f"{va.spec.attacher}/{handle}", va.spec.attacher)
            )

    def _claim(self, pod: Pod, name: str, own: bool) -> PersistentVolumeClaim | None:
        if own and name in self.ctx.pvcs:
            return self.ctx.pvcs[name]
        assert self.ctx.all_pvcs is not None
        return self.ctx.all_pvcs.get((pod.metadata.namespace, name))

    def _volumes(self, pod: Pod, own: bool = False) -> dict[str, str]:
        """unique volume name -> CSI driver, for the pod's claims (filterAttachableVolumes)."""
        out: dict[str, str] = {}
        for vol in pod.spec.volumes:
            if vol.persistent_volume_claim is not None:
                name = vol.persistent_volume_claim.claim_name
            elif vol.ephemeral is not None:
                name = f"{pod.metadata.name}-{vol.name}"
            else:
                disk = inline_disk(vol)
                if disk is not None:
                    out[f"{disk[0]}/{disk[1]}"] = disk[0]
                continue
            pvc = self._claim(pod, name, own)
            if pvc is None:
                continue
            driver, handle = self._driver(pvc)
            if driver and handle:
                out[f"{driver}/{handle}"] = driver
        return out

    def _driver(self, pvc: PersistentVolumeClaim) -> tuple[str, str]:
        pv = self.pvs.get(pvc.spec.volume_name) if pvc.spec.volume_name else None
        if pv is not None:
            return pv_volume(pv)
        classes = self.ctx.storage_classes or {}
        sc = classes.get(claim_class(pvc))
        if sc is None or not sc.provisioner:
            return "", ""
        # a volume still to be provisioned: unique per claim (an in-tree provisioner under its CSI driver)
        driver = MIGRATED.get(sc.provisioner, sc.provisioner)
        return driver, f"unprovisioned-{pvc.metadata.namespace}/{pvc.metadata.name}"

    def constant(self) -> Outcome | None:
        return None if self.active else PASS

    def evaluate(self, node: Node) -> Outcome:
        if not self.active:
            return PASS
        assert self.ctx.csi_limits is not None and self.ctx.index is not None
        limits = self.ctx.csi_limits.get(node.metadata.name)
        if not limits:
            return PASS
        name = node.metadata.name
        attached: dict[str, str] = {}
        for p in self.ctx.index.pods_by_node.get(name, ()):
            attached.update(self._volumes(p))
        counts: dict[str, int] = {}
        for driver in attached.values():
            counts[driver] = counts.get(driver, 0) + 1
        for unique, driver in self.attachments.get(name, ()):
            if unique not in attached:
                counts[driver] = counts.get(driver, 0) + 1
        new: dict[str, int] = {}
        for unique, driver in self.new.items():
            if unique not in attached:
                new[driver] = new.get(driver, 0) + 1
        for driver, n in sorted(new.items()):
            limit = limits.get(driver)
            if limit is not None and counts.get(driver, 0) + n > limit:
                have = counts.get(driver, 0)
                text = (
                    f"CSI driver {driver} may attach {limit} volume{'' if limit == 1 else 's'} on this node "
                    f"(CSINode); {have} already attached and the pod adds {n}"
                )
                return Outcome(
                    (failure(VOLUME_LIMITS, text),),
                    (VOLUME_LIMITS.wording,),
                    LimitDetail(driver, have, n, limit),
                )
        return PASS

    @classmethod
    def suggest(cls, advice: Advice) -> list[str]:
        full = [(v.node_name, d) for v in advice.failing if (d := detail(v.outcome(cls.plugin))) is not None]
        if not full:
            return []
        drivers = sorted({d.driver for _, d in full})
        return [
            f"{nodes_word(len(full))} reached the attach limit of CSI driver {', '.join(drivers)} "
            f"({names([f'{n}: {d.attached} of {d.limit}' for n, d in full], 3)}): move pods with such volumes "
            "off them, or use nodes (instance types) with a higher attach limit"
        ]
