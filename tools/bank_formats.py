"""The bank written out: Moodle XML and a QTI 2.1 content package."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from bank_choices import slug
from bank_items import BANK_TITLE, Item


# ------------------------------------------------------------ Moodle XML
def moodle_xml(items: list[Item]) -> bytes:
    """A Moodle question bank: one category per chapter (self-checks, vignettes), then items."""
    quiz = ET.Element("quiz")
    category = None
    for item in items:
        wanted = _moodle_category(item)
        if wanted != category:
            question = ET.SubElement(quiz, "question", type="category")
            _text(ET.SubElement(question, "category"), wanted)
            category = wanted
        quiz.append(_moodle_question(item))
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)


def _moodle_category(item: Item) -> str:
    kind = "Self-checks" if item.kind == "self-check" else "Vignettes from the data"
    parts = [f"{BANK_TITLE} (book {item.version.book})", item.chapter, kind]
    return "$course$/top/" + "/".join(part.replace("/", "//") for part in parts)


def _text(parent: ET.Element, text: str, **attributes) -> ET.Element:
    ET.SubElement(parent, "text").text = text
    parent.attrib.update(attributes)
    return parent


def _moodle_question(item: Item) -> ET.Element:
    question = ET.Element("question", type="essay" if item.is_essay else "multichoice")
    _text(ET.SubElement(question, "name"), item.name)
    _text(ET.SubElement(question, "questiontext"), item.question, format="html")
    general = item.general_feedback + item.source_html()
    _text(ET.SubElement(question, "generalfeedback"), general, format="html")
    for name, value in (("defaultgrade", "1"), ("hidden", "0"), ("idnumber", item.identifier)):
        ET.SubElement(question, name).text = value
    if item.is_essay:
        _moodle_essay(question, item)
    else:
        _moodle_choices(question, item)
    tags = ET.SubElement(question, "tags")
    for tag in [item.kind, *(["synthetic"] if item.source.synthetic else []), *item.version.tags()]:
        _text(ET.SubElement(tags, "tag"), tag)
    return question


def _moodle_choices(question: ET.Element, item: Item) -> None:
    settings = {
        "penalty": "0.3333333",
        "single": "true",
        "shuffleanswers": "1" if item.shuffle else "0",
        "answernumbering": "abc",
        "showstandardinstruction": "0",
    }
    for name, value in settings.items():
        ET.SubElement(question, name).text = value
    for choice in item.choices:
        answer = ET.SubElement(question, "answer", fraction="100" if choice.correct else "0")
        _text(answer, choice.text, format="html")
        _text(ET.SubElement(answer, "feedback"), choice.feedback, format="html")


def _moodle_essay(question: ET.Element, item: Item) -> None:
    settings = {
        "penalty": "0",
        "responseformat": "editor",
        "responserequired": "1",
        "responsefieldlines": "10",
        "attachments": "0",
        "attachmentsrequired": "0",
    }
    for name, value in settings.items():
        ET.SubElement(question, name).text = value
    _text(ET.SubElement(question, "graderinfo"), item.general_feedback, format="html")
    _text(ET.SubElement(question, "responsetemplate"), "", format="html")


# ------------------------------------------------------------ QTI 2.1
QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
QTI_META = "http://www.imsglobal.org/xsd/imsqti_metadata_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CHOICE_IDS = "ABCDEFGHIJ"
# A fixed timestamp, so the same items give the same package byte for byte.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
# The prefixes the files are written with; each file's own namespace is its default one.
for _prefix, _uri in (("imsmd", LOM), ("imsqti", QTI_META), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def _serialised(root: ET.Element, default: str, indent: bool = True) -> bytes:
    """The file's bytes, written with `default` as its default namespace. An item is not
    indented: indenting would add white space inside its XHTML text."""
    # ElementTree's own default_namespace option refuses unprefixed attributes, and one
    # namespace at a time can be written unprefixed: register it just before writing.
    ET.register_namespace("", default)
    if indent:
        ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _q(tag: str, namespace: str = QTI) -> str:
    return f"{{{namespace}}}{tag}"


def _xhtml(html: str, tag: str = "div", **attributes) -> ET.Element:
    """An XHTML fragment as QTI content (QTI 2.1 holds XHTML in its own namespace)."""
    element = ET.fromstring(f'<{tag} xmlns="{QTI}">{html}</{tag}>')
    element.attrib.update(attributes)
    return element


def qti_item(item: Item) -> bytes:
    """One assessmentItem: a choiceInteraction with its correct response and per-choice
    feedback, or an extendedTextInteraction with the model answer for the scorer."""
    root = ET.Element(
        _q("assessmentItem"),
        {
            "identifier": item.identifier,
            "title": item.name,
            "adaptive": "false",
            "timeDependent": "false",
            f"{{{XSI}}}schemaLocation": f"{QTI} {QTI_XSD}",
        },
    )
    response = ET.SubElement(
        root,
        _q("responseDeclaration"),
        identifier="RESPONSE",
        cardinality="single",
        baseType="string" if item.is_essay else "identifier",
    )
    if not item.is_essay:
        correct = ET.SubElement(response, _q("correctResponse"))
        ET.SubElement(correct, _q("value")).text = CHOICE_IDS[item.key]
    _qti_outcomes(root)
    body = ET.SubElement(root, _q("itemBody"))
    body.append(_xhtml(item.question))
    if item.is_essay:
        ET.SubElement(body, _q("extendedTextInteraction"), responseIdentifier="RESPONSE")
        rubric = ET.SubElement(body, _q("rubricBlock"), view="scorer")
        rubric.append(_xhtml(item.general_feedback))
    else:
        _qti_choices(body, item)
    _qti_processing(root, item)
    _qti_feedback(root, item)
    return _serialised(root, QTI, indent=False)


def _qti_outcomes(root: ET.Element) -> None:
    score = ET.SubElement(
        root, _q("outcomeDeclaration"), identifier="SCORE", cardinality="single", baseType="float"
    )
    default = ET.SubElement(score, _q("defaultValue"))
    ET.SubElement(default, _q("value")).text = "0"
    for name in ("FEEDBACK", "GENERAL_FEEDBACK"):
        ET.SubElement(
            root,
            _q("outcomeDeclaration"),
            identifier=name,
            cardinality="single",
            baseType="identifier",
        )


def _qti_choices(body: ET.Element, item: Item) -> None:
    interaction = ET.SubElement(
        body,
        _q("choiceInteraction"),
        responseIdentifier="RESPONSE",
        shuffle="true" if item.shuffle else "false",
        maxChoices="1",
    )
    for identifier, choice in zip(CHOICE_IDS, item.choices, strict=False):
        interaction.append(_xhtml(choice.text, "simpleChoice", identifier=identifier))


def _qti_processing(root: ET.Element, item: Item) -> None:
    """Score 1 for the correct choice; show the chosen option's feedback and the general one."""
    processing = ET.SubElement(root, _q("responseProcessing"))
    if not item.is_essay:
        condition = ET.SubElement(processing, _q("responseCondition"))
        when = ET.SubElement(condition, _q("responseIf"))
        match = ET.SubElement(when, _q("match"))
        ET.SubElement(match, _q("variable"), identifier="RESPONSE")
        ET.SubElement(match, _q("correct"), identifier="RESPONSE")
        _set_outcome(when, "SCORE", "float", "1")
        _set_outcome(ET.SubElement(condition, _q("responseElse")), "SCORE", "float", "0")
        chosen = ET.SubElement(processing, _q("setOutcomeValue"), identifier="FEEDBACK")
        ET.SubElement(chosen, _q("variable"), identifier="RESPONSE")
    _set_outcome(processing, "GENERAL_FEEDBACK", "identifier", "GENERAL")


def _set_outcome(parent: ET.Element, identifier: str, base_type: str, value: str) -> None:
    outcome = ET.SubElement(parent, _q("setOutcomeValue"), identifier=identifier)
    ET.SubElement(outcome, _q("baseValue"), baseType=base_type).text = value


def _qti_feedback(root: ET.Element, item: Item) -> None:
    for identifier, choice in zip(CHOICE_IDS, item.choices, strict=False):
        root.append(
            _xhtml(
                choice.feedback,
                "modalFeedback",
                outcomeIdentifier="FEEDBACK",
                identifier=identifier,
                showHide="show",
            )
        )
    root.append(
        _xhtml(
            item.general_feedback + item.source_html(),
            "modalFeedback",
            outcomeIdentifier="GENERAL_FEEDBACK",
            identifier="GENERAL",
            showHide="show",
        )
    )


def qti_manifest(items: list[Item]) -> bytes:
    """The IMS content package manifest: one resource per item, with its source and the
    book's version in the item's LOM metadata."""
    manifest = ET.Element(
        _q("manifest", IMSCP),
        {
            "identifier": f"stormbook-question-bank-{slug(items[0].version.book) if items else 'empty'}"
        },
    )
    metadata = ET.SubElement(manifest, _q("metadata", IMSCP))
    ET.SubElement(metadata, _q("schema", IMSCP)).text = "QTIv2.1 Package"
    ET.SubElement(metadata, _q("schemaversion", IMSCP)).text = "1.0.0"
    ET.SubElement(manifest, _q("organizations", IMSCP))
    resources = ET.SubElement(manifest, _q("resources", IMSCP))
    for item in items:
        href = f"items/{item.identifier}.xml"
        resource = ET.SubElement(
            resources,
            _q("resource", IMSCP),
            identifier=f"res-{item.identifier}",
            type="imsqti_item_xmlv2p1",
            href=href,
        )
        resource.append(_item_metadata(item))
        ET.SubElement(resource, _q("file", IMSCP), href=href)
    return _serialised(manifest, IMSCP)


def _lom_string(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, _q(tag, LOM)), _q("string", LOM), language="en").text = text


def _lom_identifier(parent: ET.Element, catalog: str, entry: str) -> None:
    identifier = ET.SubElement(parent, _q("identifier", LOM))
    ET.SubElement(identifier, _q("catalog", LOM)).text = catalog
    ET.SubElement(identifier, _q("entry", LOM)).text = entry


def _item_metadata(item: Item) -> ET.Element:
    metadata = ET.Element(_q("metadata", IMSCP))
    lom = ET.SubElement(metadata, _q("lom", LOM))
    general = ET.SubElement(lom, _q("general", LOM))
    identifiers = {
        "stormbook-item": item.identifier,
        "stormbook-source-resource": item.source.resource,
        "stormbook-source-row": item.source.row,
        "stormbook-data-release": item.version.data,
        "stormbook-commit": item.version.commit,
    }
    for catalog, entry in identifiers.items():
        if entry:
            _lom_identifier(general, catalog, entry)
    _lom_string(general, "title", item.name)
    _lom_string(general, "description", f"Source: {item.source.sentence()}.")
    _lom_string(general, "keyword", item.chapter)
    _lom_string(general, "keyword", item.kind)
    if item.source.synthetic:
        _lom_string(general, "keyword", "synthetic")
    _lom_string(ET.SubElement(lom, _q("lifeCycle", LOM)), "version", item.version.book)
    qti = ET.SubElement(metadata, _q("qtiMetadata", QTI_META))
    interaction = "extendedTextInteraction" if item.is_essay else "choiceInteraction"
    ET.SubElement(qti, _q("interactionType", QTI_META)).text = interaction
    return metadata


def qti_package(items: list[Item]) -> bytes:
    """The zip: imsmanifest.xml and items/<identifier>.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        files = [("imsmanifest.xml", qti_manifest(items))]
        files += [(f"items/{item.identifier}.xml", qti_item(item)) for item in items]
        for name, data in files:
            package.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
