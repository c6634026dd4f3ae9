"""ONNX export through skl2onnx: a distilled estimator converts as its fitted student.

A fitted ``DistilledClassifier`` predicts with ``student_`` alone, so its ONNX graph is the
student's: the parser registered here hands the student to skl2onnx's own parsing, which
is how a ``Pipeline``'s steps are parsed, and the graph, its outputs and their options
(``zipmap``, ``nocl``, ...) are the ones of ``skl2onnx.to_onnx(clf.student_, X)``. The
shape calculator and converter serve the other route into skl2onnx: a meta-estimator's
converter (``VotingClassifier``, ``StackingClassifier``, ...) declares an operator for
each fitted sub-estimator by its alias, and ours declares the student's in its place.

skl2onnx is imported only by :func:`register_onnx_converters`: it adds about half of
``import skdistill``'s own time, which nothing but an export should pay.
"""

import sys

from sklearn.utils.validation import check_is_fitted

#: By the name an estimator has in ``skdistill``: the alias it registers under in skl2onnx
#: and skl2onnx's shape calculator of its outputs (``skl2onnx.common.shape_calculator``).
#: An estimator the package does not have (yet) is skipped.
_ESTIMATORS = {
    "DistilledClassifier": ("SkdistillDistilledClassifier",
                            "calculate_linear_classifier_output_shapes"),
    "DistilledRegressor": ("SkdistillDistilledRegressor",
                           "calculate_linear_regressor_output_shapes"),
}


def register_onnx_converters():
    """Let skl2onnx convert skdistill's fitted estimators, as their fitted students.

    Call it once, before ``skl2onnx.to_onnx`` or ``skl2onnx.convert_sklearn``; calling it
    again changes nothing. A fitted :class:`~skdistill.DistilledClassifier` then
    converts to the graph of its ``student_``, with skl2onnx's usual outputs (labels
    and probabilities) and options (``zipmap``, ``nocl``, ``raw_scores``, ...; options
    given for the distilled estimator apply to its student, unless the student has its
    own). Any student skl2onnx converts can be exported this way, a ``Pipeline``
    included; the estimator also converts inside a pipeline or an ensemble.

    skdistill does not register the converters when it is imported: importing skl2onnx
    adds about half of the time ``import skdistill`` takes.

    Raises
    ------
    ImportError
        When skl2onnx is not installed (``pip install "skdistill[onnx]"``).

    Examples
    --------
    >>> import numpy as np
    >>> import skl2onnx
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skdistill import DistilledClassifier, register_onnx_converters
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> clf = DistilledClassifier(DecisionTreeClassifier(max_depth=3), random_state=0)
    >>> clf = clf.fit(X, y)
    >>> register_onnx_converters()
    >>> onx = skl2onnx.to_onnx(clf, X[:1].astype(np.float32), options={"zipmap": False})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    try:
        from skl2onnx import update_registered_converter
        from skl2onnx.common import shape_calculator
    except ImportError as exc:
        raise ImportError(
            "register_onnx_converters needs skl2onnx: pip install 'skdistill[onnx]'."
        ) from exc
    package = sys.modules[__package__]
    for name, (alias, shapes) in _ESTIMATORS.items():
        estimator = getattr(package, name, None)
        if estimator is not None:
            # "passthrough": options for the distilled estimator are the student's, which
            # its own converter checks.
            update_registered_converter(estimator, alias, getattr(shape_calculator, shapes),
                                        _convert, overwrite=True, parser=_parse,
                                        options="passthrough")


def _student(model, scope):
    """The fitted student, given the options set for ``model`` that it has none of."""
    check_is_fitted(model, "student_")
    student = model.student_
    options = scope.get_options(model)
    if options:
        own = scope.options.get(type(student)) or {}
        own = {**own, **(scope.options.get(id(student)) or {})}
        scope.add_options(id(student), {k: v for k, v in options.items() if k not in own})
    return student


def _parse(scope, model, inputs, custom_parsers=None):
    """Parse ``model`` as its student: the student's operators and outputs."""
    # skl2onnx has no public entry to parse a sub-model; its own Pipeline parser uses this.
    from skl2onnx._parse import _parse_sklearn

    return _parse_sklearn(scope, _student(model, scope), inputs,
                          custom_parsers=custom_parsers)


def _convert(scope, operator, container):
    """The student's operator on the same inputs, its outputs copied to ``operator``'s."""
    from skl2onnx import get_model_alias

    student = _student(operator.raw_operator, scope)
    container.add_options(id(student), scope.get_options(student))
    inner = scope.declare_local_operator(get_model_alias(type(student)), student)
    inner.inputs = operator.inputs
    for output in operator.outputs:
        copied = scope.declare_local_variable(output.onnx_name, type=output.type.__class__())
        inner.outputs.append(copied)
        container.add_node("Identity", copied.onnx_name, output.full_name,
                           name=scope.get_unique_operator_name("Identity"))
