//! Post-level structure checks that individual phrase rules miss: the three critical
//! combinations (a serious disease "gone" on an alternative remedy, an order to stop a
//! prescribed medicine, a toxic substance taken by mouth) and the cap that keeps a post which
//! criticises or warns about such a claim from being rejected on the rules alone.

use std::sync::LazyLock;

use regex::Regex;

fn re(p: &str) -> Regex {
    Regex::new(&format!("(?i){p}")).expect("constant structure regex")
}

/// Serious conditions whose "cure" by a remedy is a critical claim.
const SERIOUS: &str = r"\b(?:cancers?|tumou?rs?|leuka?emia|lymphoma|glioblastoma|(?:type\s*[12]\s+)?diabetes|diabetic|hiv|aids|autis(?:m|tic)|ms|multiple\s+sclerosis|parkinson['’]?s|alzheimer['’]?s|dementia|hepatitis(?:\s+[abc])?|tuberculosis|tb|epilep(?:sy|tic)|seizures?|lupus|hashimoto['’]?s|copd|heart\s+(?:failure|disease)|kidney\s+(?:disease|failure)|schizophreni[ac]|bipolar|crohn['’]?s|cirrhosis|lyme)\b";
/// A claimed outcome: the disease gone, cured, reversed.
const OUTCOME: &str = r"\b(?:gone|cured?|cures|curing|curable|heal(?:s|ed|ing)?|revers(?:e|es|ed|ing|ible)|remission|disappear(?:s|ed)?|dissolv(?:e|es|ed)|melts?|melted|kill(?:s|ed)?|cleared|clears|symptom[- ]free|beat|starves?|pulls?\s+(?:the|it)\s+(?:\w+\s+)?out|goes\s+away|no\s+more)\b";
/// Alternative remedies and practices (not medical treatment).
const ALT: &str = r"\b(?:protocol|diet|juices?|juicing|tea|oils?|fast(?:ing)?|enemas?|seeds?|kernels?|b17|silver|baking\s+soda|berberine|selenium|cbd|cannabis|herbs?|herbal|garlic|onion|turmeric|ginger|cinnamon|vitamin\s+[a-k]\d?|prayer|carnivore|keto(?:genic)?|vegan|chelation|gcmaf|urine|fenbendazole|ivermectin|rife|frequenc(?:y|ies)|ozone|sea\s+moss|lion['’]?s\s+mane|mushrooms?|poultice|apricot|soursop|hawthorn|parsley|celery|fava\s+beans|coconut|structured\s+water|alkaline|salve|detox|cleanse|supplements?|naturopath\w*|homeopath\w*|sugar\s+cube|mistletoe|b12|iodine)\b";
/// Prescribed medicines and treatments.
const MEDS: &str = r"\b(?:meds|medications?|medicines?|pills|tablets|insulin|chemo(?:therapy)?|radiation|dialysis|statins?|antidepressants?|ssris?|antipsychotics?|antiretrovirals?|inhalers?|epi-?pens?|antibiotics|blood\s+thinners|warfarin|metformin|levothyroxine|lithium|prednisone|steroids|drugs|vaccines?|shots?)\b";
/// An order or a refusal about the medicine.
const STOP: &str = r"\b(?:stop(?:ped)?|quit|ditch(?:ed)?|drop(?:ped)?|dump(?:ed)?|toss(?:ed)?|flush(?:ed)?|bin|refuse[sd]?|skip(?:ped)?|forget|cancel(?:led)?|swap(?:ped)?|replace[sd]?|say\s+no|get\s+off|wean\s+(?:\w+\s+)?off|(?:take|took)\s+(?:them|him|her|it)\s+off|(?:do\s*n['’]?t|dont|do\s+not|never)\s+(?:take|start|use)|no\s+more)\b";
/// Substances that are toxic to swallow, sniff or inject.
const TOXIC: &str = r"\b(?:turpentine|kerosene|gasoline|petrol|bleach|borax|hydrogen\s+peroxide|h2o2|chlorine\s+dioxide|sodium\s+chlorite|mms|miracle\s+mineral|methylene\s+blue|diatomaceous\s+earth|(?:your\s+own\s+)?urine|apricot\s+kernels|lighter\s+fluid|antifreeze|cd\s+enemas?)\b";
/// Taking it into the body.
const INGEST: &str = r"\b(?:drink(?:s|ing)?|swallow(?:ing)?|ingest(?:ing)?|sniff(?:ing)?|inhal(?:e|ing)|inject(?:ing)?|eat(?:ing)?|spoonful|tsp|tbsp|teaspoons?|tablespoons?|drops?|sugar\s+cube|by\s+mouth|in\s+(?:your\s+)?(?:water|juice|drink|bottle)|enemas?|nebuli[sz]er|a\s+day|daily|every\s+(?:morning|day|hour)|protocol)\b";

/// A child with a fever or infection.
const SICK_CHILD: &str = r"\b(?:bab(?:y|ies|y['’]s)|infants?|newborns?|toddlers?|kids?|child(?:ren)?|feverish\s+kid)\b[^.!?]{0,40}\b(?:fevers?|feverish|rsv|infections?|croup|seizures?)\b|\b(?:fevers?|rsv|infections?)\s+in\s+(?:bab(?:y|ies)|infants?|newborns?|toddlers?|kids|children)\b|\bfeverish\s+(?:kid|child|baby|toddler)\b";
/// Keeping a sick child from care.
const NO_CARE: &str = r"\b(?:no\s+(?:doctor|doc|pediatrician|tylenol|meds|medicine)|don['’]?t\s+bother\s+with\s+(?:the\s+)?(?:doctor|doc|pediatrician|er|hospital)|skip\s+the\s+(?:er|doctor|pediatrician|hospital)|wait\s+it\s+out|cry\s+it\s+out)\b";
/// Keeping a child from a vaccine.
const NO_VACCINE: &str = r"\b(?:don['’]?t|never|do\s+not)\s+(?:let|give)\s+(?:your\s+|the\s+)?(?:kids?|child(?:ren)?|daughter|son|bab(?:y|ies)|teen)\b";
const VACCINE: &str = r"\b(?:vaccines?|vaccinat\w*|vax|jabs?|shots?|mmr|hpv)\b";

/// Words that show the post criticises, warns about, reports or asks about the claim: a
/// critical claim in such a post is held for a person, never rejected on the rules alone.
const CRITIQUE: &str = r"\b(?:warn(?:s|ed|ing|ings)?|dangerous|careful|corrosive|quack(?:s|ery)?|illegal|banned|report(?:ed)?|fda|ftc|myths?|no\s+evidence|debunk\w*|retracted|fraud(?:ulent)?|misinformation|poison\s+control|died|second\s+opinion|stayed\s+on|talk\s+(?:\w+\s+)?out\s+of|worst\s+advice|don['’]?t\s+listen|absolutely\s+not|not\s+safe|isn['’]?t\s+safe|no\s+study|cochrane|(?:will|can|could)\s+(?:kill|burn|destroy|harm|hurt|damage|blind)|damag(?:e|es|ing)|(?:influencers?|people|ppl|someone|accounts?|youtubers?|videos?|sellers?)\s+(?:\w+\s+)?(?:saying|claiming|telling|who\s+say|say|claim)|claims?\s+that|some\s+(?:people\s+)?claim|stop\s+sharing|trend|industrial|told\s+me|it\s+(?:does\s*n['’]?t|does\s+not|is\s*n['’]?t)|short\s+answer|viral)\b";
/// Negation just before the structural trigger.
const NEGATED: &str = r"\b(?:not|never|no|don['’]?t|doesn['’]?t|isn['’]?t|won['’]?t|can['’]?t|cannot|nope|without)\b[^.!?]{0,25}$";

static SERIOUS_RE: LazyLock<Regex> = LazyLock::new(|| re(SERIOUS));
static OUTCOME_RE: LazyLock<Regex> = LazyLock::new(|| re(OUTCOME));
static ALT_RE: LazyLock<Regex> = LazyLock::new(|| re(ALT));
static MEDS_RE: LazyLock<Regex> = LazyLock::new(|| re(MEDS));
static STOP_RE: LazyLock<Regex> = LazyLock::new(|| re(STOP));
static TOXIC_RE: LazyLock<Regex> = LazyLock::new(|| re(TOXIC));
static INGEST_RE: LazyLock<Regex> = LazyLock::new(|| re(INGEST));
static SICK_CHILD_RE: LazyLock<Regex> = LazyLock::new(|| re(SICK_CHILD));
static NO_CARE_RE: LazyLock<Regex> = LazyLock::new(|| re(NO_CARE));
static NO_VACCINE_RE: LazyLock<Regex> = LazyLock::new(|| re(NO_VACCINE));
static VACCINE_RE: LazyLock<Regex> = LazyLock::new(|| re(VACCINE));
static CRITIQUE_RE: LazyLock<Regex> = LazyLock::new(|| re(CRITIQUE));
static NEGATED_RE: LazyLock<Regex> = LazyLock::new(|| re(NEGATED));
/// "Why would anyone still …?", "Who needs …?": a question that is really a claim.
/// Someone else's instruction or a professional's decision, not an order to the reader.
static NOT_AN_ORDER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:told\s+(?:\w+\s+)?to|wants?\s+to|asked|if|whether|(?:doctor|doc|gp|cardiologist|oncologist|psychiatrist|pharmacist|nurse|rheumatologist|endocrinologist)|said|could|can|should)(?:\s+[\w'’]+){0,3}\s*$",
    )
});
/// A hedge or research framing: "may", "studies suggest", "kills cancer cells" (in a dish).
static HEDGED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:may|might|could|suggests?|linked|research\w*|stud(?:y|ies)|trials?|cells|mice|lab|dish)\b",
    )
});
/// A referral to a professional: the rules' own levels decide, not the structure.
static REFERRAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:talk|speak|check|consult)(?:ing)?\s+(?:to|with)\s+(?:your|a|the)\s+(?:doctor|doc|gp|pharmacist|prescriber|care\s+team|specialist|physician)",
    )
});
/// What may stand before an order in its clause: "Pls", "just", "you should", "step 1:".
static ORDER_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:\s*(?:pls|please|plz|just|so|now|and|then|simply|today|honestly|seriously|guys|yall|y['’]?all|mothers|moms|parents|friends|omg|lol|bro|ok|okay|also|(?:you|u)\s+(?:can|should|must|need\s+to|gotta|have\s+to)|\d+|step\s+\d+))*\s*$",
    )
});
static RHETORICAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:why\s+(?:would|do|does|are|is|take|bother)\b[^?]*\b(?:still|even|ever|when|believe)\b|who\s+needs)",
    )
});

/// True when the post criticises, warns about, reports or researches a claim.
pub fn critiqued(text: &str) -> bool {
    CRITIQUE_RE.is_match(text)
}

/// One structural critical finding: rule id, why, byte span in `text`.
pub struct Finding {
    pub rule: &'static str,
    pub why: &'static str,
    pub start: usize,
    pub end: usize,
}

/// "Stop shaming meds": a verb other than taking or using sits between the order and the
/// medicine, so the order is about something else.
fn other_verb(gap: &str) -> bool {
    gap.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .any(|w| w.ends_with("ing") && !matches!(w.as_str(), "taking" | "using" | "giving"))
}

/// The clause before a stop word holds nothing but the lead-ins of an order.
fn is_order(before: &str) -> bool {
    let clause = before
        .rfind(['.', ',', '!', '?', ':', ';', '\n', '-', '–', '—', '(', ')'])
        .map_or(before, |i| &before[i + 1..]);
    ORDER_LEAD.is_match(clause)
}

fn not_negated(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    !NEGATED_RE.is_match(&text[line_start..at])
}

/// The sentences of `text` as byte ranges, with the following sentence joined on (a claim and
/// its remedy are often split: "Stage 3 colon cancer gone. Just juice.").
fn windows(text: &str) -> Vec<(usize, usize)> {
    let mut bounds = vec![0];
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n' | ';') {
            bounds.push(i + c.len_utf8());
        }
    }
    bounds.push(text.len());
    bounds.dedup();
    let n = bounds.len();
    (0..n.saturating_sub(1))
        .map(|i| (bounds[i], bounds[(i + 2).min(n - 1)]))
        .collect()
}

/// The structural critical combinations in `text` (the normalised post). Nothing is found in
/// a post that criticises or warns ([`critiqued`]) or asks a real (not rhetorical) question.
pub fn findings(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if critiqued(text) || (text.contains('?') && !RHETORICAL.is_match(text)) {
        return out;
    }
    if REFERRAL
        .find_iter(text)
        .any(|m| not_negated(text, m.start()))
    {
        return out;
    }
    for (s, e) in windows(text) {
        let w = &text[s..e];
        // A serious disease "gone / healed / reversed" with an alternative remedy.
        if let (Some(d), Some(o), Some(_)) = (
            SERIOUS_RE.find(w),
            OUTCOME_RE.find_iter(w).find(|o| not_negated(w, o.start())),
            ALT_RE.find(w),
        ) && not_negated(w, d.start())
            && !HEDGED.is_match(w)
        {
            out.push(Finding {
                rule: "structure.serious_cure",
                why: "claims an alternative remedy cures a serious disease",
                start: s + d.start().min(o.start()),
                end: s + d.end().max(o.end()),
            });
        }
        // An order to stop, refuse or replace a prescribed medicine.
        if let Some(st) = STOP_RE.find(w)
            && let Some(m) = MEDS_RE.find_at(w, st.start())
            && m.start() - st.end() <= 60
            && !w[st.end()..m.start()].contains([',', ';'])
            && !other_verb(&w[st.end()..m.start()])
            && not_negated(w, st.start())
            && !NOT_AN_ORDER.is_match(&w[..st.start()])
            && is_order(&w[..st.start()])
        {
            out.push(Finding {
                rule: "structure.stop_medicine",
                why: "tells readers to stop, refuse or replace a prescribed medicine",
                start: s + st.start(),
                end: s + m.end(),
            });
        }
        // A toxic substance taken into the body.
        if let Some(t) = TOXIC_RE.find(w)
            && INGEST_RE.find_iter(w).any(|i| not_negated(w, i.start()))
            && not_negated(w, t.start())
        {
            out.push(Finding {
                rule: "structure.toxic_ingestion",
                why: "tells readers to swallow, sniff or inject a toxic substance",
                start: s + t.start(),
                end: s + t.end(),
            });
        }
        // A sick child kept from care.
        if let (Some(c), Some(n)) = (SICK_CHILD_RE.find(w), NO_CARE_RE.find(w)) {
            out.push(Finding {
                rule: "structure.child_without_care",
                why: "tells parents to keep a sick child from care",
                start: s + c.start().min(n.start()),
                end: s + c.end().max(n.end()),
            });
        }
    }
    // A child kept from a vaccine the post blames.
    if let Some(n) = NO_VACCINE_RE.find(text)
        && VACCINE_RE.is_match(text)
    {
        out.push(Finding {
            rule: "structure.refuse_vaccine",
            why: "tells parents to keep a child from a vaccine",
            start: n.start(),
            end: n.end(),
        });
    }
    out
}
