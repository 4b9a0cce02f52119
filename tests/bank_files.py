"""Reading an exported question bank back with the standard library only (XML parser, zipfile),
never with the exporter's own code, and the checks every exported item must pass."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/LOM}"
NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")
MYST_LEFTOVER = re.compile(r"[`{}]|^\s*:::|\{[\w:-]+\}")


# ---------------------------------------------------------------------------- readers
def plain(html: str | None) -> str:
    """The text a reader sees in an XHTML fragment, white space collapsed."""
    return " ".join("".join(ET.fromstring(f"<div>{html or ''}</div>").itertext()).split())


def read_moodle(path: Path) -> list[dict]:
    """Each question of a Moodle XML file, with the category it is filed under."""
    questions, category = [], None
    for question in ET.parse(path).getroot().findall("question"):
        if question.get("type") == "category":
            category = question.findtext("category/text")
            continue
        questions.append(
            {
                "type": question.get("type"),
                "id": question.findtext("idnumber"),
                "category": category,
                "question": plain(question.findtext("questiontext/text")),
                "general": question.findtext("generalfeedback/text"),
                "grader": plain(question.findtext("graderinfo/text")),
                "answers": [
                    (
                        plain(a.findtext("text")),
                        a.get("fraction"),
                        plain(a.findtext("feedback/text")),
                    )
                    for a in question.findall("answer")
                ],
                "single": question.findtext("single"),
                "tags": [tag.findtext("text") for tag in question.findall("tags/tag")],
                "texts": [
                    plain(parent.findtext("text")) if parent.get("format") == "html" else text.text
                    for parent in question.iter()
                    for text in parent.findall("text")
                ],
            }
        )
    return questions


def read_qti(path: Path) -> dict[str, dict]:
    """Each item of a QTI 2.1 content package, by identifier, with its manifest metadata."""
    items = {}
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
        for resource in manifest.iter(f"{CP}resource"):
            href = resource.get("href")
            assert href in names, f"the manifest lists {href}, which the package lacks"
            assert [f.get("href") for f in resource.findall(f"{CP}file")] == [href]
            root = ET.fromstring(package.read(href))
            lom = {
                ident.findtext(f"{LOM}catalog"): ident.findtext(f"{LOM}entry")
                for ident in resource.iter(f"{LOM}identifier")
            }
            items[root.get("identifier")] = {
                "root": root,
                "resource": resource.get("identifier"),
                "href": href,
                "lom": lom,
                "version": resource.findtext(f".//{LOM}lifeCycle/{LOM}version/{LOM}string"),
                "description": resource.findtext(f".//{LOM}description/{LOM}string"),
                "texts": list(root.itertext()) + list(resource.itertext()),
            }
        listed = {item["href"] for item in items.values()} | {"imsmanifest.xml"}
        assert names == listed, f"files in the package but not in the manifest: {names - listed}"
    return items


def qti_choices(root: ET.Element) -> list[tuple[str, str]]:
    return [(c.get("identifier"), plain_element(c)) for c in root.iter(f"{QTI}simpleChoice")]


def plain_element(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def qti_key(root: ET.Element) -> list[str]:
    return [
        v.text for v in root.findall(f"{QTI}responseDeclaration/{QTI}correctResponse/{QTI}value")
    ]


def moodle_key(question: dict) -> list[str]:
    return [text for text, fraction, _ in question["answers"] if fraction == "100"]


# ---------------------------------------------------------------------------- checks shared
def assert_no_myst(texts, where: str) -> None:
    """No role, backtick, brace or fence in the text a reader sees."""
    for text in texts:
        found = MYST_LEFTOVER.search(text or "")
        assert not found, f"{where}: MyST syntax survives in {text!r}"


def assert_valid_qti_item(identifier: str, item: dict) -> None:
    """The structure this bank declares for an item (QTI 2.1 names and rules)."""
    root = item["root"]
    assert root.tag == f"{QTI}assessmentItem"
    assert NCNAME.match(identifier), identifier
    assert NCNAME.match(item["resource"]), item["resource"]
    declarations = root.findall(f"{QTI}responseDeclaration")
    assert [d.get("identifier") for d in declarations] == ["RESPONSE"]
    body = root.find(f"{QTI}itemBody")
    choice = body.find(f"{QTI}choiceInteraction")
    if choice is None:
        assert body.find(f"{QTI}extendedTextInteraction").get("responseIdentifier") == "RESPONSE"
        assert plain_element(body.find(f"{QTI}rubricBlock")), f"{identifier}: no model answer"
        return
    assert choice.get("responseIdentifier") == "RESPONSE"
    assert choice.get("maxChoices") == "1"
    assert declarations[0].get("cardinality") == "single"
    assert declarations[0].get("baseType") == "identifier"
    ids = [choice_id for choice_id, _ in qti_choices(root)]
    assert len(ids) == len(set(ids)) >= 2, f"{identifier}: choice identifiers {ids}"
    key = qti_key(root)
    assert len(key) == 1 and key[0] in ids, f"{identifier}: correct response {key} not in {ids}"
    feedback = [
        f.get("identifier")
        for f in root.findall(f"{QTI}modalFeedback")
        if f.get("outcomeIdentifier") == "FEEDBACK"
    ]
    assert feedback == ids, f"{identifier}: feedback for {feedback}, choices {ids}"
