"""The local backend on realistic member messages: typos, SMS shorthand and code-switching."""

from __future__ import annotations

import numpy as np
import pytest

from nlu.features import ANALYZERS
from nlu.intents import FALLBACK_INTENT, TRAINED_INTENTS
from nlu.local_backend import LocalNluBackend
from nlu.normalize import normalize
from nlu.train import INTENT_BLOCKS, INTENT_C, TrainedModels
from nlu.training_data import load_training_data
from nlu.types import NluBackend

# Written for this test, not copied from the training files.
UTTERANCES: dict[str, list[tuple[str, str]]] = {
    "rw": [
        ("muraho neza, amakuru yanyu?", "greet"),
        ("nshaka kureba balance yanjye pls", "check_balance"),
        ("amafaranga yanjye ni angahe ubu?", "check_balance"),
        ("mfite angahe kuri konti yanjye?", "check_balance"),
        ("ndashaka loan ya 50k", "apply_loan"),
        ("nkeneye inguzanyo y'amafaranga ibihumbi makumyabiri", "apply_loan"),
        ("inguzanyo nasabye yemejwe se?", "loan_status"),
        ("nishyura nte umusanzu wanjye kuri momo", "get_payment_code"),
        ("mwanyoherereza statement y'ukwezi kwa Werurwe", "statement"),
        ("sinabonye code yo kwinjira", "request_code"),
        ("nshaka kuvugana n'umukozi wa sacco", "talk_to_agent"),
        ("hindura ururimi ujye mu cyongereza", "change_language"),
        ("mureke kunyoherereza ubutumwa", "stop"),
        ("yego ndabyemeza", "affirm"),
        ("oya sibyo", "deny"),
        ("murakoze cyane kubufasha", "thanks"),
        ("murabeho, mugire umunsi mwiza", "goodbye"),
        ("nshaka kwinjira mu kimina cyacu", "join"),
        ("subira inyuma gato", "back"),
        ("umusanzu w'uku kwezi nsigaje ni angahe", "contributions_due"),
        ("nshaka kubikuza ibihumbi icumi", "withdraw"),
        ("nyereka menu nyamuneka", "menu"),
        ("mfasha sinumva uko bikora", "help"),
        ("reka ibyo, sinshaka gukomeza", "cancel"),
        ("nshaka gutangira gukoresha serivisi", "start"),
        ("ni nde uzatsinda umukino w'ejo", "nlu_fallback"),
    ],
    "en": [
        ("hello there, good morning", "greet"),
        ("whats my balnce pls", "check_balance"),
        ("how much money do i have in my savings account", "check_balance"),
        ("i need a loan of 200k for 6 months", "apply_loan"),
        ("has my loan application been approved yet?", "loan_status"),
        ("how do i pay my contribution via momo", "get_payment_code"),
        ("send me my statement for March", "statement"),
        ("i didnt receive the otp", "request_code"),
        ("i want to talk to a real person please", "talk_to_agent"),
        ("switch to french please", "change_language"),
        ("stop sending me sms", "stop"),
        ("yes please go ahead", "affirm"),
        ("no that's not right", "deny"),
        ("thank you so much for the help", "thanks"),
        ("ok bye, see you later", "goodbye"),
        ("how can i join a savings group", "join"),
        ("go back to the previous menu", "back"),
        ("when is my next contribution due", "contributions_due"),
        ("i want to withdraw 20000 from my savings", "withdraw"),
        ("show me the main menu", "menu"),
        ("i dont understand what to do, help", "help"),
        ("cancel that, i changed my mind", "cancel"),
        ("let's get started", "start"),
        ("who will win the match tonight", "nlu_fallback"),
    ],
    "fr": [
        ("bonjour, comment allez-vous ?", "greet"),
        ("je voudrais voir mon solde svp", "check_balance"),
        ("combien j'ai sur mon compte d'épargne", "check_balance"),
        ("je veux un pret de 100000 sur 12 mois", "apply_loan"),
        ("ma demande de prêt est-elle acceptée ?", "loan_status"),
        ("comment payer ma cotisation avec momo", "get_payment_code"),
        ("envoyez moi le relevé de mars", "statement"),
        ("je n'ai pas recu le code de vérification", "request_code"),
        ("je veux parler à un agent svp", "talk_to_agent"),
        ("je préfère parler en anglais", "change_language"),
        ("arrêtez de m'envoyer des sms", "stop"),
        ("oui c'est correct", "affirm"),
        ("non merci, pas maintenant", "deny"),
        ("merci beaucoup pour votre aide", "thanks"),
        ("au revoir et bonne soirée", "goodbye"),
        ("comment devenir membre de la sacco", "join"),
        ("revenir à l'étape précédente", "back"),
        ("combien je dois pour la cotisation de ce mois", "contributions_due"),
        ("je veux retirer 20000 de mon épargne", "withdraw"),
        ("afficher le menu principal", "menu"),
        ("je ne comprends pas, aidez moi", "help"),
        ("annuler ma demande svp", "cancel"),
        ("je veux commencer à recevoir les messages", "start"),
        ("quel temps fera-t-il demain", "nlu_fallback"),
    ],
}
CASES = [(lang, text, intent) for lang, rows in UTTERANCES.items() for text, intent in rows]


@pytest.mark.parametrize(("language", "text", "intent"), CASES, ids=[c[1] for c in CASES])
def test_realistic_utterances(nlu_backend: LocalNluBackend, language: str, text: str, intent: str) -> None:
    result = nlu_backend.parse(text)
    assert (result.intent, result.language) == (intent, language), result.ranking


def test_every_trained_intent_is_covered_by_the_table() -> None:
    for rows in UTTERANCES.values():
        assert {intent for _, intent in rows} == TRAINED_INTENTS - {"inform", "out_of_scope"} | {
            FALLBACK_INTENT
        }


@pytest.mark.parametrize(
    "text", ["asdkjh qwe", "xzxzxz", "qwertyuiop", "jjjjj qqqq", "zzz", "blorp fizzle wug"]
)
def test_gibberish_falls_back(nlu_backend: LocalNluBackend, text: str) -> None:
    result = nlu_backend.parse(text, "en")
    assert result.intent == FALLBACK_INTENT
    assert result.confidence < nlu_backend.threshold
    assert len(result.ranking) == 3 and all(name != FALLBACK_INTENT for name, _ in result.ranking)


def test_off_topic_is_a_fallback_led_by_out_of_scope(nlu_backend: LocalNluBackend) -> None:
    result = nlu_backend.parse("tell me a joke about football", "en")
    assert result.intent == FALLBACK_INTENT
    assert result.ranking[0][0] == "out_of_scope"


def test_threshold_is_configurable(nlu_models: TrainedModels) -> None:
    text = "je veux un crédit"
    assert LocalNluBackend(nlu_models, threshold=1.01).parse(text).intent == FALLBACK_INTENT
    assert LocalNluBackend(nlu_models, threshold=0.0).parse(text).intent == "apply_loan"


def test_result_shape(nlu_backend: LocalNluBackend) -> None:
    result = nlu_backend.parse("nshaka inguzanyo ya 50000 mu mezi 6", "rw")
    assert result.intent == "apply_loan" and 0.0 <= result.confidence <= 1.0
    assert [n for n, _ in result.ranking][0] == "apply_loan" and len(result.ranking) == 3
    assert [s for _, s in result.ranking] == sorted((s for _, s in result.ranking), reverse=True)
    assert result.entity("amount") is not None and result.entity("amount").value == 50000  # type: ignore[union-attr]
    assert result.entity("term_months") is not None and result.entity("term_months").value == 6  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "intent"),
    [("STOP", "stop"), ("0", "back"), ("00", "menu"), ("bal", "check_balance"), ("ok", "affirm")],
)
def test_commands_are_certain(nlu_backend: LocalNluBackend, text: str, intent: str) -> None:
    result = nlu_backend.parse(text, "rw")
    assert (result.intent, result.confidence, result.language) == (intent, 1.0, "rw")
    assert result.ranking[0] == (intent, 1.0)


def test_bare_number_is_an_inform_with_its_value(nlu_backend: LocalNluBackend) -> None:
    result = nlu_backend.parse("5000", "rw")
    assert result.intent == "inform"
    assert [(e.entity, e.value) for e in result.entities] == [("amount", 5000)]


def test_empty_text_falls_back(nlu_backend: LocalNluBackend) -> None:
    result = nlu_backend.parse("   ", "fr")
    assert (result.intent, result.confidence, result.language, result.ranking) == (
        FALLBACK_INTENT,
        0.0,
        "fr",
        (),
    )


async def test_aparse_matches_parse(nlu_backend: LocalNluBackend) -> None:
    assert isinstance(nlu_backend, NluBackend)
    assert await nlu_backend.aparse("ndashaka loan", "rw") == nlu_backend.parse("ndashaka loan", "rw")


def test_compiled_model_matches_sklearn(nlu_models: TrainedModels) -> None:
    """The hand-rolled scorer computes exactly what the fitted sklearn pipeline would."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion
    from threadpoolctl import threadpool_limits

    examples = load_training_data()
    texts = [normalize(e.text) for e in examples]
    union = FeatureUnion(
        [(n, TfidfVectorizer(analyzer=ANALYZERS[n], sublinear_tf=True)) for n, _ in INTENT_BLOCKS],
        transformer_weights=dict(INTENT_BLOCKS),
    )
    with threadpool_limits(limits=1):
        classifier = LogisticRegression(C=INTENT_C, solver="newton-cg", max_iter=500)
        classifier.fit(union.fit_transform(texts), [e.intent for e in examples])
    probe = [normalize(t) for t in ("nshaka kureba balance", "je veux un prêt", "hello", "zzz qqq", "5000")]
    expected = classifier.predict_proba(union.transform(probe))
    model = nlu_models.intent
    assert list(classifier.classes_) == list(model.labels)
    got = np.vstack([model.score(t).probabilities for t in probe])
    np.testing.assert_allclose(got, expected, atol=1e-3)
