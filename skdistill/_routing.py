"""Metadata for a teacher's and a student's ``fit``: one routing for both estimators.

Without metadata routing, ``sample_weight`` goes to the student's objective and to the
teacher's ``fit`` (a teacher that cannot take it is an error, not a silent drop); with
routing enabled (``sklearn.set_config(enable_metadata_routing=True)``), each goes where
the sub-estimators request it. A prefit or callable teacher is never fitted, so it
takes nothing.
"""

from __future__ import annotations

from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)


def teacher_student_router(owner, teacher, student):
    """The ``MetadataRouter`` of an estimator whose ``fit`` fits a teacher and a student.

    ``teacher`` is the teacher's adapter (``skdistill._teacher.as_teacher``). The owner's
    own request says what its ``score`` takes (``set_score_request``); its ``fit``
    consumes nothing itself (declare ``__metadata_request__fit = {"sample_weight":
    UNUSED}`` on the class).
    """
    router = MetadataRouter(owner=owner).add_self_request(owner)
    if teacher.routes_fit:
        router.add(teacher=teacher.teacher,
                   method_mapping=MethodMapping().add(caller="fit", callee="fit"))
    router.add(student=student, method_mapping=MethodMapping().add(caller="fit", callee="fit"))
    return router


def route_fit(owner, teacher, sample_weight, fit_params):
    """``{"teacher": fit parameters, "student": sample_weight or None, "student_fit": further
    fit parameters of the student}`` for one fit.

    ``teacher`` is the teacher's adapter; without routing, ``sample_weight`` goes to a
    teacher fitted here, which must take it.
    """
    if _routing_enabled():
        routed = process_routing(owner, "fit", sample_weight=sample_weight, **fit_params)
        teacher_params = dict(routed.teacher.fit) if "teacher" in routed else {}
        student_params = dict(routed.student.fit)
        return {"teacher": teacher_params, "student": student_params.pop("sample_weight", None),
                "student_fit": student_params}
    teacher_params = {}
    if sample_weight is not None and not teacher.prefit:
        teacher.check_sample_weight()
        teacher_params["sample_weight"] = sample_weight
    return {"teacher": teacher_params, "student": sample_weight, "student_fit": {}}
