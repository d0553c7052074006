"""Whether one set of rules covers another: the heart of escalation checks and reconciliation.

As k8s.io/component-helpers/auth/rbac/validation does it: each requested rule is broken down
into atomic rules (one group, one resource, one verb, at most one name; or one URL and one
verb), and each atomic rule must be covered by a single owner rule. Matching here is about
*rules*, not requests: `*` covers everything, `*/scale` covers `deployments/scale`, an owner rule
without names covers any name, and a URL ending in `*` covers every URL it prefixes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kubegate.authz.rbac.rules import (
    API_GROUP_ALL,
    RESOURCE_ALL,
    VERB_ALL,
    PolicyRule,
)


def breakdown(rule: PolicyRule) -> list[PolicyRule]:
    """Equivalent atomic rules, each with one verb, one resource and at most one name."""
    atoms: list[PolicyRule] = []
    for group in rule.api_groups:
        for resource in rule.resources:
            for verb in rule.verbs:
                if rule.resource_names:
                    atoms.extend(
                        PolicyRule(
                            verbs=(verb,),
                            api_groups=(group,),
                            resources=(resource,),
                            resource_names=(name,),
                        )
                        for name in rule.resource_names
                    )
                else:
                    atoms.append(
                        PolicyRule(verbs=(verb,), api_groups=(group,), resources=(resource,))
                    )
    # non-resource URLs combine with verbs only
    for url in rule.non_resource_urls:
        atoms.extend(PolicyRule(verbs=(verb,), non_resource_urls=(url,)) for verb in rule.verbs)
    return atoms


def _has_all(owned: Sequence[str], wanted: Iterable[str]) -> bool:
    have = set(owned)
    return all(item in have for item in wanted)


def _resources_cover(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    if RESOURCE_ALL in owned or _has_all(owned, wanted):
        return True
    for resource in wanted:
        if resource in owned:
            continue
        if "/" not in resource:
            return False
        if "*/" + resource.split("/", 1)[1] not in owned:
            return False
    return True


def non_resource_url_covers(owner: str, url: str) -> bool:
    return owner == url or (owner.endswith("*") and url.startswith(owner.rstrip("*")))


def _urls_cover(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    return all(any(non_resource_url_covers(owner, url) for owner in owned) for url in wanted)


def rule_covers(owner: PolicyRule, atom: PolicyRule) -> bool:
    """Whether `owner` (any shape) grants everything the atomic rule `atom` grants."""
    if atom.resource_names:
        names = not owner.resource_names or _has_all(owner.resource_names, atom.resource_names)
    else:
        names = not owner.resource_names
    return (
        (VERB_ALL in owner.verbs or _has_all(owner.verbs, atom.verbs))
        and (API_GROUP_ALL in owner.api_groups or _has_all(owner.api_groups, atom.api_groups))
        and _resources_cover(owner.resources, atom.resources)
        and _urls_cover(owner.non_resource_urls, atom.non_resource_urls)
        and names
    )


def covers(
    owner_rules: Sequence[PolicyRule], rules: Iterable[PolicyRule]
) -> tuple[bool, list[PolicyRule]]:
    """Whether `owner_rules` cover `rules`, and the atomic rules they leave uncovered."""
    missing = [
        atom
        for rule in rules
        for atom in breakdown(rule)
        if not any(rule_covers(owner, atom) for owner in owner_rules)
    ]
    return not missing, missing


def compact(rules: Iterable[PolicyRule]) -> list[PolicyRule]:
    """Merge rules that name one group and one resource and nothing else, adding up their verbs.

    Applied to the uncovered atoms of a `covers` check so that a refusal lists
    `Verbs:["get" "list"]` once instead of one line per verb (validation.CompactRules).
    """
    simple: dict[tuple[str, str], list[str]] = {}
    out: list[PolicyRule] = []
    for rule in rules:
        is_simple = (
            not rule.resource_names
            and not rule.non_resource_urls
            and len(rule.api_groups) == 1
            and len(rule.resources) == 1
        )
        if is_simple:
            simple.setdefault((rule.api_groups[0], rule.resources[0]), []).extend(rule.verbs)
        else:
            out.append(rule)
    out.extend(
        PolicyRule(verbs=tuple(verbs), api_groups=(group,), resources=(resource,))
        for (group, resource), verbs in simple.items()
    )
    return out


def describe_missing(missing: Iterable[PolicyRule]) -> str:
    """The uncovered rules, compacted, one per line, sorted and without repeats."""
    return "\n".join(sorted({rule.compact_string() for rule in compact(missing)}))
