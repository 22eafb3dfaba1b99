//! Post-level structure checks that individual phrase rules miss: the three critical
//! combinations (a serious disease "gone" on an alternative remedy, an order to stop a
//! prescribed medicine, a toxic substance taken by mouth) and the cap that keeps a post which
//! criticises or warns about such a claim from being rejected on the rules alone.

use std::sync::LazyLock;

use regex::Regex;

fn re(p: &str) -> Regex {
    // ASCII word boundaries, as in the rules: a Unicode `\b` keeps the regex engine off its
    // fast DFA on any non-ASCII byte (an emoji, a curly quote), which made long posts take
    // milliseconds.
    // `<DRUG_STEMS>` and the like: the built-in vocabularies, shared with the rules.
    let p = super::ruleset::expand_builtin(p)
        .expect("constant structure regex")
        .replace(r"\b", r"(?-u:\b)");
    regex::RegexBuilder::new(&format!("(?i){p}"))
        .size_limit(1 << 25)
        .dfa_size_limit(1 << 24)
        .build()
        .expect("constant structure regex")
}

/// Serious conditions whose "cure" by a remedy is a critical claim.
const SERIOUS: &str = r"\b(?:cancers?|tumou?rs?|leuka?emia|lymphoma|glioblastoma|(?:type\s*[12]\s+)?diabetes|diabetics?|hiv|aids|autis(?:m|tic)|ms|multiple\s+sclerosis|parkinson['’]?s|alzheimer['’]?s|dementia|hepatitis(?:\s+[abc])?|tuberculosis|tb|epilep(?:sy|tic)|seizures?|lupus|hashimoto['’]?s|copd|heart\s+(?:failure|disease)|kidney\s+(?:disease|failure)|schizophreni[ac]|bipolar|crohn['’]?s|cirrhosis|lyme|pneumonia|sepsis|meningitis|strokes?|heart\s+attacks?|(?:breast\s+)?lumps?|nodules?|melanoma|viral\s+load|colitis|endometriosis|hep\s*[abc]|t[12]d)\b";
/// A claimed outcome: the disease gone, cured, reversed.
const OUTCOME: &str = r"\b(?:gone|cured?|cures|curing|curable|heal(?:s|ed|ing)?|revers(?:e|es|ed|ing|ible)|remission|disappear(?:s|ed)?|dissolv(?:e|es|ed)|melts?|melted|kill(?:s|ed)?|cleared|clears|symptom[- ]free|beat|starves?|pulls?\s+(?:the|it)\s+(?:\w+\s+)?out|goes\s+away|no\s+more|undetectable|shr[aiu]nk|shrinks|(?:your|the)\s+cure|re-?grows?|regrew|regenerat\w*|knocked\s+out|handles?\s+it|fix(?:es|ed)?|recovered|sorted|cancer[- ]free|nowhere\s+to\s+live|can(?:not|['’]?t)\s+survive|off\s+(?:insulin|dialysis|meds|chemo)|zero\s+units|keeps?\s+(?:\w+\s+)?away|scans?\s+(?:are|were|came\s+back)\s+(?:all\s+)?(?:clean|clear)|clean\s+scans?|clear\s+scans?)\b";
/// Alternative remedies and practices (not medical treatment).
const ALT: &str = r"\b(?:protocol|diet|juices?|juicing|tea|oils?|fast(?:ing)?|enemas?|seeds?|kernels?|b17|silver|baking\s+soda|berberine|selenium|cbd|cannabis|herbs?|herbal|garlic|onion|turmeric|ginger|cinnamon|vitamin\s+[a-k]\d?|prayer|carnivore|keto(?:genic)?|vegan|chelation|gcmaf|urine|fenbendazole|ivermectin|rife|frequenc(?:y|ies)|ozone|sea\s+moss|lion['’]?s\s+mane|mushrooms?|poultice|apricot|soursop|hawthorn|parsley|celery|fava\s+beans|coconut|structured\s+water|alkaline|salve|detox|cleanse|supplements?|naturopath\w*|homeopath\w*|sugar\s+cube|mistletoe|b12|iodine|peptides?|moringa|black\s+(?:cumin|seed)|nigella|saffron|nattokinase|castor|salt\s+(?:caves?|pipes?|lamps?)|buteyko|sunlight|grounding|colloidal|acv|vinegar|hydroxychloroquine|zinc|lemon|honey|oregano|sauna|cupping|bloodletting|cayenne|nettle|juniper|graviola|frankincense|hydrogen|nopal|lysine|methylene\s+blue|elderberry|omega-?3s?|kefir|quantum|528\s*hz|chlorophyll|moss|shake|greens|smoothies?|placenta|enema|bitter\s+melon|zero\s+carbs?|raw\s+vegan|juiced|black\s+seed\s+oil|cannabis\s+oil)\b";
/// Prescribed medicines and treatments.
const MEDS: &str = r"\b(?:meds|medications?|medicines?|pills|tablets|insulin|chemo(?:therapy)?|radiation|dialysis|statins?|antidepressants?|ssris?|antipsychotics?|antiretrovirals?|inhalers?|epi-?pens?|antibiotics?|blood\s+thinners?|warfarin|metformin|levothyroxine|lithium|prednisone|steroids|drugs|vaccines?|shots?|puffers?|arvs|beta[- ]blockers?|anticoagulants?|diuretics|anti-?rejection\s+drugs|birth\s+control|(?:eye\s+)?drops|nebuli[sz]ers?|biops(?:y|ies)|mammograms?|screenings?|scans?|surgery|treatments?|therapy|hrt|[a-z]{3,}<DRUG_STEMS>)\b";
/// An order or a refusal about the medicine.
const STOP: &str = r"\b(?:stop(?:ped)?|quit|ditch(?:ed)?|drop(?:ped)?|dump(?:ed)?|toss(?:ed)?|flush(?:ed)?|bin|refuse[sd]?|skip(?:ped)?|forget|cancel(?:led)?|swap(?:ped)?|replace[sd]?|say\s+no|no\s+to|turn\s+down|declin(?:e|ed)|(?:do\s*n['’]?t|does\s*n['’]?t|do\s+not|does\s+not)\s+need|get\s+off|wean\s+(?:\w+\s+)?off|(?:take|took)\s+(?:them|him|her|it)\s+off|(?:do\s*n['’]?t|dont|do\s+not|never)\s+(?:take|start|use)|no\s+more)\b";
/// Substances that are toxic to swallow, sniff or inject.
const TOXIC: &str = r"\b(?:turpentine|kerosene|gasoline|petrol|bleach|borax|hydrogen\s+peroxide|h2o2|ch[li]orine\s+dioxide|sodium\s+chlorite|mms|miracle\s+mineral|methylene\s+blue|diatomaceous\s+earth|(?:your\s+own\s+)?urine|apricot\s+kernels|lighter\s+fluid|antifreeze|cd\s+enemas?)\b";
/// Taking it into the body.
const INGEST: &str = r"\b(?:drink(?:s|ing)?|swallow(?:ing)?|ingest(?:ing)?|sniff(?:ing)?|inhal(?:e|ing)|inject(?:ing)?|eat(?:ing)?|spoonful|tsp|tbsp|teaspoons?|tablespoons?|drops?|sugar\s+cube|by\s+mouth|in\s+(?:your\s+)?(?:water|juice|drink|bottle)|enemas?|nebuli[sz]er|a\s+day|daily|every\s+(?:morning|day|hour)|protocol)\b";

/// A child with a fever or infection.
const SICK_CHILD: &str = r"\b(?:bab(?:y|ies|y['’]s)|infants?|newborns?|toddlers?|kids?|child(?:ren)?|feverish\s+kid)\b[^.!?]{0,40}\b(?:fevers?|feverish|rsv|infections?|croup|seizures?)\b|\b(?:fevers?|rsv|infections?)\s+in\s+(?:bab(?:y|ies)|infants?|newborns?|toddlers?|kids|children)\b|\bfeverish\s+(?:kid|child|baby|toddler)\b";
/// Keeping a sick child from care.
const NO_CARE: &str = r"\b(?:no\s+(?:doctor|doc|pediatrician|tylenol|meds|medicine)|don['’]?t\s+bother\s+with\s+(?:the\s+)?(?:doctor|doc|pediatrician|er|hospital)|skip\s+the\s+(?:er|doctor|pediatrician|hospital)|wait\s+it\s+out|cry\s+it\s+out)\b";
/// Keeping a child from a vaccine.
const NO_VACCINE: &str = r"\b(?:don['’]?t|never|do\s+not)\s+(?:let|give)\s+(?:your\s+|the\s+)?(?:kids?|child(?:ren)?|daughter|son|bab(?:y|ies)|teen)\b";
const VACCINE: &str = r"\b(?:vaccines?|vaccinat\w*|vax\w*|jabs?|shots?|mmr|hpv|tdap|boosters?)\b";

/// Words that show the post criticises, warns about, reports or asks about the claim: a
/// critical claim in such a post is held for a person, never rejected on the rules alone.
/// A bare "Please don't." answering a claim, and a cautionary tale's "never do this" or "big
/// mistake", count too.
const CRITIQUE: &str = r"(?:\bplease\s+stop\s*[.!]|\bso\s+(?:that\s+)?(?:you|others|nobody|no\s+one)\s+(?:don['’]?t|do\s+not|won['’]?t|doesn['’]?t)\s+(?:do|make)\s+the\s+same\b|\b(?:quit|quitting|stop|stopping|ditch|ditching|drop|dropping|come\s+off|coming\s+off|skip|skipping)\b[^.!?\n]{0,40}\?\s*(?:no|nope|never|absolutely\s+not|hell\s+no)\s*[.!]|\b(?:(?:he|she|they|i|we)['’](?:s|re|m)|(?:he|she)\s+is|they\s+are|i\s+am|we\s+are)\s+still\s+(?:on|taking)\s+(?:his|her|their|my|our|the|it|them)\b|\bcan['’]?t\s+wait\s+for\s+(?:someone|somebody|some\s+\w+|the\s+next\s+\w+)\s+to\s+tell\s+(?:me|us)\b|\bkept\s+(?:saying|insisting|telling\s+(?:me|us|him|her))\b|\bfinish\s+your\s+(?:meds|course|antibiotics|treatment|tablets)\b|\bi\s+said\s+no\s*[—–-]+\s*am\s+i\s+(?:right|wrong|overreacting)\b|\bwasn['’]?t\s+the\s+(?:\w+\s+)?(?:carrots?|juice|juicing|diet|herbs?|supplements?|tea|oils?|protocol|prayer)\b|what\s+could\s+(?:possibly\s+)?go\s+wrong|\bplease\s+(?:don['’]?t|do\s+not)\s*[.!;]|said\s+no\s+(?:\w+\s+){0,2}ever|🙄|(?:^|\s)/s\b|people\s+die|please\s+get\s+(?:treated|help|checked)|\bunfollow|\b(?:a\s+|any\s+|the\s+)?(?:posts?|videos?|accounts?|influencers?|anyone|someone|people)\s+(?:\w+\s+)?tells?\s+you\s+to|\bpredatory|\bpeople\s+(?:have\s+)?die[sd]|\bend\s+up\s+in\s+(?:the\s+)?(?:hospital|er|icu|a&e)|\bpoison\s+cent(?:re|er)|\bhospitali[sz]ed|\bofficials?\s+(?:say|said|warn\w*)|\bcoroner|\brecall(?:s|ed)?\b|\bfined\b|\barrested|\bcharged\s+with|\blawsuit|\bsentenced|\boverdosed|\b(?:cdc|who|nhs|fda|ema)\s+(?:says|said|warns|warned)|\b(?:sent|put|landed)\s+(?:me|him|her|them|us|my\s+\w+)\s+(?:straight\s+)?(?:to|in(?:to)?)\s+(?:the\s+)?(?:a&e|er|ed|hospital|icu|emergency|resus)\b|\b(?:was|were|got|been|being)\s+(?:re)?admitted\b|\brushed\s+(?:\w+\s+)?to\s+(?:the\s+)?(?:hospital|a&e|er|icu)\b|\bdon['’]?t\s+be\s+me\b|\bplease\s+take\s+your\b|\b(?:but|and|so)\s+take\s+your\s+(?:tablets|meds|medicines?|medications?|drugs|insulin|inhalers?|pills)\b|\bplease\s+(?:don['’]?t|do\s+not|never)\s+(?:stop|quit|drink|swallow|try|follow|fall\s+for|listen)\b|\bdon['’]?t\s+fall\s+for\b|\bplease\s+protect\b|\bfact[- ]?check|\bnever\s+swallow\b|\bclaims\b|\b(?:can['’]?t|cannot|can\s+not|won['’]?t|will\s+not)\s+be\s+(?:reversed|cured|fixed|healed)\b|\b(?:isn['’]?t|is\s+not)\s+a\s+vitamin\b|\bturns?\s+into\s+cyanide\b|\bburn(?:ed|t)\s+a\s+hole\b|\b(?:she|he|they|pharmacist|doctor|gp|doc|nurse|paediatrician|pediatrician)\s+said\s+(?:no\b|not\s+to\b|never\b)|\basked\s+(?:my|our|the)\s+(?:pharmacist|doctor|gp|pa?ediatrician|nurse|midwife|doc|dentist|cardiologist|oncologist|psychiatrist)\b|\b(?:mmr|vaccines?|jabs?|shots?|doses?(?:\s+of\s+\w+)?)\s+(?:are|is)\s+(?:about\s+|over\s+|roughly\s+|around\s+)?\d+\s*%\s+effective\b|\btake\s+(?:the|your)\s+(?:child|kid|baby|little\s+one|toddler)\s+to\s+(?:the\s+)?(?:hospital|a&e|er|doctor|gp|clinic)\b)|\b(?:warn(?:s|ed|ing|ings)?|dangerous|careful|corrosive|quack(?:s|ery)?|illegal|banned|reported|reports?\s+(?:it|them|this|that|to|any|adverse|side|from|of|on)|(?:a|the|new|case|this|fda|news)\s+reports?|reports?\s*:\s*[\w'’]+|fda|ftc|myths?|no\s+evidence|debunk\w*|retracted|fraud(?:ulent)?|misinformation|poison\s+control|died|second\s+opinion|stayed\s+on|talk\s+(?:\w+\s+)?out\s+of|worst\s+advice|don['’]?t\s+listen|absolutely\s+not|not\s+safe|isn['’]?t\s+safe|no\s+study|cochrane|(?:will|can|could)\s+(?:kill|burn|destroy|harm|hurt|damage|blind)|damag(?:e|es|ing)|(?:influencers?|people|ppl|someone|accounts?|youtubers?|videos?|sellers?)\s+(?:\w+\s+)?(?:saying|claiming|telling|who\s+say|say|claim)|claims?\s+that|some\s+(?:people\s+)?claim|stop\s+sharing|trend(?:s|ing)?|industrial|falsely|court\s+order\w*|ordered\s+to\s+pay|(?:doctors?|dermatologists?|physicians?|researchers?|toxicologists?|clinicians?|pediatricians?|paediatricians?)\s+(?:write|wrote|report(?:ed)?|describe[sd]?)|(?:not|never|won['’]?t|wouldn['’]?t)\s+(?:going\s+to\s+|gonna\s+|ever\s+)?(?:tell|advise)\s+(?:you|anyone|anybody|people)\s+to|told\s+me|it\s+(?:does\s*n['’]?t|does\s+not|is\s*n['’]?t)|short\s+answer|viral\s+(?:posts?|videos?|claims?|tweets?|clips?|trends?|tiktoks?|reels?)|went\s+viral|going\s+viral|never\s+do\s+(?:this|that)|don['’]?t\s+(?:do\s+what\s+i\s+did|make\s+my\s+mistake)|learn\s+from\s+my\s+mistake|big\s+mistake|(?:is|are)\s+no\s+substitute\s+for|(?:has|have)\s*n['’]?t\s+been\s+shown|(?:has|have)\s+not\s+been\s+shown|neither\s+(?:has|have|does|do|is|are|one)|not\s+instead\s+of|lost\s+(?:\w+\s+)?(?:patients|people|friends|a\s+friend|a\s+patient)\s+(?:who|to)|(?:nobody|no\s+one|don['’]?t)\s+(?:copy|try)\s+this|as\s+a\s+public[- ]health\s+problem|['’”]\s+(?:is|are)\s+(?:false|untrue|a\s+myth|a\s+lie|nonsense|wrong|rubbish)|(?:i|we)\s+(?:did|chose|had|went\s+with|stuck\s+with)\s+(?:the\s+)?(?:chemo\w*|radiotherapy|radiation|surgery|treatment|insulin|antibiotics)\s+instea|(?:has|have)\s+(?:\w+\s+)?killed\s+(?:people|patients|children|kids|babies|someone|many)|people\s+have\s+been\s+(?:hurt|harmed|hospitali[sz]ed|poisoned)|no\s+(?:clinical|scientific|good|real|solid)\s+evidence|caused\s+(?:\w+\s+)?poisonings?|(?:is|are)\s+poisonous|(?:eats|burns)\s+through|(?:can|may)\s+be\s+toxic|toxic\s+(?:for|to)\s+(?:babies|infants|children|kids)|(?:can['’]?t|cannot|cannae|can\s+not)\s+handle\s+(?:alcohol|honey)|lost\s+(?:his|her|their)\s+licen[cs]e|(?:straight|right)\s+to\s+(?:the|di|da)\s+(?:hospital|er|a&e|doctor)|back\s+on\s+track|(?:don['’]?t|do\s+not|never)\s+play\s+with|(?:the\s+)?safer\s+route|the\s+safe\s+way\s+to|not\s+until\s+after|explained\s+the\s+(?:\w+\s+){0,3}risks?|(?:it['’]?s|is)\s+not\s+a\s+(?:daily\s+)?(?:nootropic|supplement|cure|detox))\b|\b(?:(?:someone|somebody|people|anyone|a\s+(?:guy|man|woman|lady|commenter|follower))\s+(?:(?:in|on)\s+(?:my|the|this)\s+\w+\s+)?(?:tells?\s+me|says|insists|swears)|(?:in|on)\s+my\s+(?:replies|comments|mentions|dms|inbox)|(?:turpentine|kerosene|bleach|borax|mms|chlorine\s+dioxide|peroxide|methylene\s+blue|paraffin|petrol|gasoline|lamp\s+oil)\s+(?:is|are)\s+(?:a\s+|actual\s+|literal\s+)?poison|no\s+be\s+medicine|(?:is|are)\s+not\s+(?:a\s+)?medicine|burn(?:s|ed|t)?\s+(?:your|the|her|his|my|their)?\s*(?:retinas?|macula|eyes?)|that['’]?s\s+not\s+how\s+(?:it|this|any\s+of\s+this)\s+works|carry\s+(?:am|her|him|dem)\s+go\s+hospital|call\s+(?:999|911|112|000|an\s+ambulance)?\s*first|get\s+(?:odd|any|new|changing|weird|funny|suspicious)\s+(?:moles?|spots?|lumps?)\s+checked|wasn['’]?t\s+(?:even\s+)?(?:cancer|diabetes)|(?:rationing|skipping|stopping|quitting|missing)\s+(?:\w+\s+){0,2}kills\s+people|(?:can|will|could)\s+wreck\s+(?:your|their|his|her|a\s+child['’]?s)\s+(?:kidneys?|liver|heart|lungs?|eyes?|retinas?|oesophagus|esophagus))\b|\b(?:becomes?\s+cyanide|(?:contains?|releases?)\s+(?:\w+\s+)?cyanide|then\s+(?:i|we|she|he|they)\s+(?:finally\s+)?(?:did|had|started|began|went\s+for|agreed\s+to)\s+(?:the\s+)?(?:chemo\w*|radiotherapy|radiation|surgery|treatment|antibiotics|insulin)|(?:eats?|ate|destroys?|destroyed|burns?|burned|burnt)\s+(?:away\s+)?(?:healthy\s+|normal\s+|your\s+|the\s+|her\s+|his\s+|my\s+)?(?:skin|tissue|flesh)|(?:can|could|may)\s+cause\s+(?:infant\s+)?botulism|(?:is|are)\s+(?:just\s+)?an?\s+(?:spice|food|herb|supplement|vitamin|condiment|drink|tea|oil|fruit|vegetable|seasoning)s?,?\s+not\s+(?:an?\s+)?(?:medicine|insulin|treatment|cure|drug|chemo\w*|antibiotics?|vaccine|blood\s+thinner|statin)|(?:stop|skip|miss|quit|drop)\s+(?:it|them|taking\s+(?:it|them)|your\s+[\p{L}]+|the\s+[\p{L}]+)\s+and\s+(?:the\s+virus|it|the\s+cancer|the\s+infection|the\s+seizures?|the\s+clots?|your\s+[\p{L}]+|you['’]?ll|you\s+(?:will|could|can|may|might))\s+(?:[\p{L}'’]+\s+){0,2}?(?:rebounds?|comes?\s+(?:right\s+)?back|returns?|spreads?|gets?\s+worse|die|seize|clot|crash|end\s+up|land|relapse)|(?:gp|doctor|doc|psychiatrist|neuro\w*|consultant|cardiologist|endo\w*|team|oncologist|nurse)\s+(?:restarted|re-started|put\s+(?:me|him|her|them)\s+back\s+on|tapered\s+(?:me|him|her|them)|weaned\s+(?:me|him|her|them)))\b";
/// Negation just before the structural trigger.
const NEGATED: &str = r"\b(?:not|never|no\s|don['’]?t|doesn['’]?t|isn['’]?t|won['’]?t|can['’]?t|cannot|without)\b[^.!?]{0,25}$";

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
static NO_DAMAGE_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:no|zero|without\s+(?:any\s+)?)\s+(?:[\w-]+\s+)?damage\b"));
static NEGATED_RE: LazyLock<Regex> = LazyLock::new(|| re(NEGATED));

/// Injecting at home what only a clinic should ("Inject your own vitamin IV at home, buy the
/// needles on Amazon").
const DIY_INJECTION: &str = r"\binject(?:ing)?\s+(?:your\s+own|yourself|at\s+home|your\s+(?:kids?|child|baby))|\b(?:ivs?|drips?|injections?)\s+at\s+home\b|\bbuy\s+(?:the\s+)?(?:needles|syringes)\b|\b(?:research\s+chemicals?|peptides?)\b[^.!?]{0,40}\binject";

/// Hashtags that declare a stance against medical consensus (#VaccineInjury, #NoChemo).
const STANCE_TAG: &str = r"#(?:vaccine(?:injury|injured|damage|kills?|harm|deaths?)|novax\w*|antivax\w*|unvaxxed|unvaccinated\w*|pureblood\w*|nochemo|chemokills|cancercure\w*|curecancer\w*|nopharma|bigpharmalies|plandemic|diedsuddenly|medicalfreedom|noinsulin)\b";
/// A medicine misused to lose weight fast ("take furosemide to drop 5 kg").
const WEIGHT_MISUSE: &str = r"\b(?:furosemide|lasix|diuretics?|water\s+pills|laxatives?|insulin|thyroid\s+(?:meds|pills|hormone)|clenbuterol|clen|dnp|ephedrine)\b[^.!?]{0,60}\b(?:drop|lose|cut|shed|make)\s+(?:\d+(?:\.\d+)?\s*(?:kg|kgs|kilos?|lbs?|pounds)|weight|water\s+weight)";
/// A prescription or over-the-counter drug whose dose is raised by count ("If 1 Xanax
/// doesn't hit, take 3").
const ESCALATE: &str = r"\b(?:xanax|valium|klonopin|ativan|benzos?|adderall|ritalin|oxy\w*|percocet|vicodin|ambien|tramadol|codeine|opioids?|fentanyl|morphine|ketamine|lasix|tylenol|advil|ibuprofen|paracetamol|acetaminophen|aspirin|benadryl|nyquil|melatonin|insulin|pills?|tablets?)\b[^.!?]{0,60}[.!?,]?\s*(?:just\s+|then\s+)?(?:take|pop|have|double\s+up\s+with)\s+(?:\d+|two|three|four|five|six|another\s+(?:one|two|few)|more|extra|a\s+few)\b(?:\s+(?:more|at\s+once|of\s+them))?\s*(?:[.!,]|$)";

/// A stop order whose object is a pronoun or is left out, resolved to a medicine named in the
/// same or the previous sentence ("Blood thinners? Toss 'em.", "Taper yourself off",
/// "Epilepsy meds off, CBD oil on", "I said no").
const STOP_PRONOUN: &str = r"\b(?:toss|bin|ditch|dump|drop|quit|stop|flush|skip|chuck|trash|refuse|decline|throw\s+(?:out|away))\s+(?:['’]?em|them|it|those|these|yours)\b|\b(?:pull|take|taking|took|get|getting|got|wean|weaning|weaned|taper|tapering|come|coming|came)\s+(?:(?:your|my|our|the|his|her)\s+)?(?:['’]?em|them|it|him|her|yourself|myself|ourselves|kids?|son|daughter|bro|brother|sister|mom|dad|nan|baby|child)\s+off\b|\b(?:meds|medications?|medicines?|pills|insulin|inhalers?|chemo|statins?|antidepressants?)\s+off\b|\b(?:i|we)\s+said\s+no\b|\bsay\s+no\b|\b(?:yes|yep|yeah|yup|absolutely|sure|of\s+course|definitely|totally)[,.!]?\s+(?:just\s+)?stop\s*(?:[.!]|$)|\byou\s+can\s+(?:just\s+)?stop(?:\s+(?:now|them|it|taking\s+(?:them|it)))?\s*(?:[.!]|$)|\b(?:we|i)\s+(?:switched|swapped)\s+(?:him|her|them|it|\w+)?\s*(?:to|for)\b";
/// A short answer refusing what a question just named ("Chemo? Radiation? Pass.").
/// A remedy ranked over treatment ("Turmeric >>> chemo", "chose turmeric over treatment").
const OVER_TREATMENT: &str = r"(?:>{2,}|\bbeats|\bover|\binstead\s+of|\brather\s+than)\s*(?:the\s+|your\s+|her\s+|his\s+|my\s+)?(?:chemo\w*|radiation|surgery|treatment|meds|medications?|insulin|antibiotics|statins?|vaccines?|inhalers?|dialysis|antidepressants?)\b";
const REFUSAL_ANSWER: &str = r"^\s*(?:pass|hard\s+pass|nope|nah|no\s+thanks|no\s+way|skip)\b";
/// The post urges readers to copy what it tells ("everyone should", "do it", "be like my aunt").
const PROMOTE: &str = r"\b(?:everyone|everybody|y['’]?all|you\s+all)\s+should|\bso\s+should\s+(?:you|all\s+of\s+you)|\b(?:other|all)\s+(?:moms|mums|parents|people|families)\s+should|\bshould\s+do\s+the\s+same|\bdo\s+(?:it|the\s+same)\b|\bbe\s+like\s+(?:my|me|us)|\blisten\s+to\s+your\s+body|\btrust\s+(?:your\s+body|the\s+process|me|god|nature)|\bworks?\s+better|\bbest\s+decision|\bworked\s+for\s+us|\bi\s+did\b|\bdo\s+your\s+research|\bdo\s+this\b|\bnever\s+going\s+back";
/// A claim that a vaccine, a medicine or a screening causes harm ("The MMR shot is the reason
/// autism rates exploded", "Statins cause dementia", "Mammograms spread tumours").
const HARM_SUBJECT: &str = r"\b(?:vaccin\w*|vax\w*|jabs?|shots?|boosters?|mmr|mrna|the\s+drugs|drugs|meds|medications?|statins?|chemo\w*|antidepressants?|ssris?|insulin|mammograms?|screenings?|sunscreens?|spf|antibiotics?|arvs|inhalers?|steroids?|puffers?|(?:antibiotic|treatment)\s+courses?|radiation|surgery|dialysis|fluoride)\b";
const HARM_VERB: &str = r"^(?:\s+[\w'’-]+){0,3}?\s*(?:causes?|caused|causing|gives?\s+(?:you|kids|people|babies|girls|boys)|brings?|is\s+bring|leads?\s+to|led\s+to|triggers?|triggered|=|->|(?:is|are|was|were)\s+the\s+(?:real\s+|only\s+|main\s+)?(?:reason|cause)|(?:is|are)\s+what\s+make|makes?\s+(?:people|you|kids|girls|boys|women|men)|rewrites?|weakens?|destroys?|spreads?|squash\w*|did\s+nothing|does\s+nothing|(?:is|are)\s+the\s+dangerous\s+part|(?:is|are)\s+(?:a\s+)?(?:poison|toxic|bioweapons?|the\s+problem|killing)|(?:only\s+)?makes?\s+(?:it|things)\s+worse|(?:is|are)\s+(?:always\s+|totally\s+|just\s+)?(?:overkill|unnecessary|a\s+racket|racket|a\s+scam|useless|pointless|worthless|not\s+needed|a\s+money\s+machine|a\s+waste))\b";
const HARM: &str = r"\b(?:autis\w*|cancers?|turbo|infertil\w*|steril\w*|dementia|alzheimer\w*|heart\s+failure|(?:the\s+)?flu|sick\w*|sids|deaths?|dna|immune\s+system|diabetes|aids|paraly\w*|seizures?|miscarriage\w*|injur\w*|tumou?rs?|regress\w*|disease|damage|harm|infertility|weak)\b";
const HARM_NO_OBJECT: &str = r"(?:did|does)\s+nothing|worse|dangerous\s+part|poison|toxic|bioweapon|problem|killing|=|->|overkill|unnecessary|racket|scam|useless|pointless|worthless|not\s+needed|money\s+machine|waste";
/// "Diabetes is caused by the drugs", "Polio was never a virus", "Depression isn't real".
const DENIAL: &str = r"\b(?:diabetes|autism|cancer|aids|sids|dementia|asthma)\s+(?:is|are|was)\s+(?:caused\s+by|from)\s+(?:\w+\s+){0,4}?(?:vaccin\w*|jabs?|shots?|drugs|meds|medications?|chemo)\b|\b(?:polio|measles|covid|hiv|aids|viruses|a\s+virus)\s+(?:was|is|were|are)\s+never\s+(?:a\s+|really\s+)?(?:virus|real|contagious|infectious)\b|\b(?:depression|adhd|insulin\s+resistance|autism|bipolar|anxiety|cancer|covid|germs?)\s+(?:is\s*n['’]?t|is\s+not|are\s*n['’]?t|are\s+not)\s+(?:even\s+)?real\b";
/// Hedged or rebutted: "can cause", "may", "studies", "— no.", "retracted".
const HARM_HEDGE: &str = r"\b(?:can|could|may|might|rarely|sometimes|occasionally|linked|studies|study|trials?|risk\s+of)\s+(?:\w+\s+)?$";
const REBUTTED: &str = r"(?:^|[\s—–-])no[,.!—–-]|\bnope\b|\bretracted|\bdebunk\w*|\bfact(?:\s*check)?\s*:|\bnot\s+true|\bfalse\b|\bno\s+(?:good\s+)?evidence|\bno\s+link|\bstudies\s+(?:show|found)|\bmillions\s+of|\bdoes\s*n['’]?t|\bdo\s*n['’]?t\s+(?:cause|change)|\bdoes\s+not|\bnever\s+enters|\bthey\s+don['’]?t";
/// A vaccine refused, in the first person or as an order ("We're not vaxxing our newborn",
/// "Don't vaccinate", "Our family skipped every jab", "no shots for my babies").
const VAX_REFUSE: &str = r"\b(?:not|never|no\s+more|stop(?:ped)?|quit|skip(?:ped|ping)?|refus(?:e|ed|ing)|declin(?:e|ed|ing)|avoid(?:ed|ing)?|say\s+no\s+to|said\s+no\s+to|won['’]?t|do\s*n['’]?t|do\s+not|did\s*n['’]?t)\s+(?:[\w'’-]+\s+){0,3}?(?:vaccinat\w*|vax\w*|jabs?|shots?|vaccines?|boosters?|immuni[sz]\w*|tdap|mmr)\b|\bno\s+(?:shots|jabs|vaccines|vax)\s+for\b|\b(?:anti-?vaxx?(?:er)?s?|#?unvaxxed|#?purebloods?)\b[^.!?]{0,40}\b(?:proud|healthiest|healthier|never\s+sick|strong|thriving|pure)\b|\b(?:my|our)\s+(?:kids?|children|babies|family|daughter|son)\s+(?:never|do\s*n['’]?t|do\s+not|won['’]?t)\s+(?:take|get|have)\b";
/// The refusal is someone's subject: first person or an order.
const VAX_SUBJECT: &str = r"(?:^|[.!?:\n]\s*|\b(?:i|we|my|our|family|mamas?|moms|ladies|parents|pls|please|just|so)\b[^.!?]{0,40})$";
/// Pro-vaccine or regret: the post is not refusing.
const VAX_PRO: &str = r"\bget\s+(?:the|your|a|them|him|her)\s+(?:\w+\s+)?(?:shot|jab|vaccine|booster|vaccinated)|\bget\s+vaccinated|\bgot\s+(?:my|our|the|his|her)\s+(?:\w+\s+)?(?:shot|jab|vaccine|booster)|\bsafe\s+and\s+effective|\beffective|\bprotects?\b|\bsaves?\s+lives|\bclinics?\b|\bbook\s+(?:your|a|it)|#vaxxed|#vaccineswork|\bplease\s+vaccinate|\bdo\s+vaccinate|\bleaves?\s+(?:them|kids|children|babies|you)\s+(?:open|vulnerable|exposed|unprotected)|\bat\s+risk\s+of|\bask\s+about|\bregret\w*|\bmistake|\bwish\s+(?:i|we)\s+had|\bcaught\s+it|\bended\s+up";
/// A serious symptom with care put off ("Chest pain = just gas. Don't waste hours in A&E",
/// "Newborn with a fever? Just wait a few days", "Found a lump? Don't let them biopsy it").
const EMERGENCY: &str = r"\b(?:chest\s+pains?|arm\s+numb\w*|numb\s+arm|stroke(?:\s+(?:symptoms|signs))?|heart\s+attack|lumps?|suspicious\s+moles?|moles?|(?:newborns?|infants?|bab(?:y|ies)|(?:\d+|one|two|three|four|five|six)[- ](?:day|week|month)[- ]olds?)\b[^.!?]{0,30}\b(?:fevers?|burning\s+up)|fevers?\b[^.!?]{0,30}\b(?:newborns?|infants?|bab(?:y|ies))|10[3-5](?:\.\d)?\s*(?:f|fevers?)|high\s+fevers?|febrile\s+seizures?|button\s+batter(?:y|ies)|pre-?eclampsia|anaphyla\w*|can['’]?t\s+breathe|pneumonia|sepsis|meningitis|appendicitis|blood\s+in\s+(?:your\s+|the\s+)?(?:stool|urine|poop|pee)|face\s+(?:went\s+|is\s+|goes\s+)?droop\w*|droop\w*\s+(?:face|on\s+one\s+side)|slurr\w*|words\s+(?:came\s+out\s+)?(?:all\s+)?jumbled|mini[- ]stroke|tia|left\s+arm|arm\s+(?:aching|ache|pain)|chest\s+(?:tight\w*|pressure)|crushing\s+(?:pain|chest)|stiff\s+neck|rash\s+that\s+(?:doesn['’]?t|does\s+not|won['’]?t)\s+fade|non-?blanching|under\s+a\s+glass|purple\s+spots|floppy|fruity\s+breath|dka|ketoacidosis|red\s+(?:line|streak)s?\s+(?:going\s+)?up|pain\s+low\s+(?:on|in)\s+(?:the|my|his|her)\s+right|lower\s+right\s+(?:side|belly|abdomen)|right\s+side\s+of\s+(?:the|his|her|my)\s+(?:belly|tummy|abdomen)|throat\s+(?:swelling|closing)|lips\s+(?:swelling|turning\s+blue|blue)|coughing\s+(?:up\s+)?blood|worst\s+headache|seizure\s+lasting|unconscious|unresponsive|pulmonary\s+embolism|blood\s+clot|jaundice\w*|(?:looking\s+)?(?:a\s+bit\s+)?yellow\s+on\s+day|(?:newborns?|bab(?:y|ies)|\d+[- ](?:day|week)[- ]olds?|\d+\s+weeks?\s+old)\b[^.!?]{0,40}\b(?:temperature|3[89](?:\.\d\b|\s*°?\s*c)|10[0-5](?:\.\d)?\b)|\b(?:running|spiking|hit(?:ting|s)?)\s+(?:a\s+)?(?:10[2-5]|39(?:\.\d)?|4[01](?:\.\d)?)\b|passed\s+out|collapsed|(?:won['’]?t|can['’]?t|couldn['’]?t|wouldn['’]?t)\s+(?:\w+\s+)?wake(?:\s+(?:him|her|them))?(?:\s+up)?|blue[- ]lipped|lips\s+(?:going|went|turning|are|were)\s+(?:a\s+bit\s+)?blue|went\s+blue|turning\s+blue|not\s+sweating|hot\s+and\s+confused|confused\s+and\s+(?:breathing|shaking)|throat\s+(?:went|feels|is|was|getting|got)\s+(?:all\s+)?tight|hit\s+(?:her|his|their|the)\s+head|bumped\s+(?:her|his|their)\s+head|breath\s+smells?\s+(?:like|of)\s+(?:nail\s+polish|acetone|pear\s+drops)|lethargic|letárgico|one[- ]sided\s+(?:pelvic\s+)?pain|ectopic|seizure\s+that\s+lasted|not\s+(?:really\s+)?responding|(?:hasn['’]?t|has\s+not|no)\s+(?:had\s+)?(?:a\s+)?wet\s+(?:nappy|nappies|diaper|diapers)|droopy|grey\s+and\s+sweaty|elephant\s+(?:is\s+|was\s+|['’]s\s+)?sitting\s+on|took\s+(?:way\s+)?too\s+many\s+pills|a\s+bunch\s+of\s+pills|on\s+a\s+nod|fever\s+(?:of\s+)?(?:hits\s+)?4[01](?:\.\d)?|fiebre\s+de\s+4[01]|4[01](?:\.\d)?\s*°?\s*c|swollen\s+(?:lips|tongue|throat|face)|(?:isn['’]?t|not)\s+waking\s+up|(?:\d+|two|three|four)\s+fits|fits?\s+in\s+an\s+hour|neck\s+(?:is\s+|dey\s+|was\s+|went\s+|feels\s+)?(?:so\s+|really\s+)?stiff|chest\s+(?:was\s+|is\s+|felt\s+|feels\s+)?crushing|pain\s+(?:has\s+)?moved\s+(?:low\s+)?(?:on|to|down\s+to)\s+the\s+right|moved\s+(?:down\s+)?(?:low\s+)?(?:on|to|down\s+to|into)\s+the\s+(?:lower\s+)?right|heart\s+racing[^.!?]{0,30}\bconfused|confused[^.!?]{0,30}\b(?:barely|not)\s+(?:peeing|weeing|urinating)|face\s+(?:suddenly\s+|starts?\s+to\s+|started\s+to\s+)droop\w*|words\s+(?:come|came|coming)\s+out\s+(?:all\s+)?(?:slurred|wrong|garbled)|moved\s+low\s+on\s+the\s+right|confused\s+and\s+burning\s+up|burning\s+up\s+and\s+(?:confused|breathing\s+fast)|confused,\s+(?:and\s+)?(?:shivering|shaking)|floppy\s+and\s+(?:burning\s+hot|hot)|(?:lips?|tongue|throat|face)\s+(?:and\s+(?:lips?|tongue|throat|face)\s+)?(?:(?:is|are|was|were|started|starting|went)\s+)?(?:swelling|swelled|swollen|puffing\s+up|blowing\s+up))\b|\b10[3-5](?:\.\d)?\s*°|\bthunderclap|\bface\s+(?:went|is|has\s+gone|gone|looks?)\s+(?:all\s+|a\s+bit\s+)?lopsided|\blopsided\s+(?:face|smile)|\b(?:vomit(?:ed|ing)?|threw\s+up|throwing\s+up|puk(?:ed|ing)|coughed\s+up|spitting)\s+(?:up\s+)?(?:some\s+|a\s+bit\s+of\s+|a\s+lot\s+of\s+)?blood\b|\b(?:cut|wound|bite|scratch|graze|incision|scar)\b[^.!?]{0,40}\b(?:gone|going|turned|turning|is|looks?|got)\s+(?:all\s+|really\s+|very\s+)?(?:red\s+and\s+(?:hot|swollen|angry)|hot\s+and\s+red)|\b(?:can['’]?t|cannot|couldn['’]?t)\s+finish\s+(?:a|his|her|my)\s+sentences?|\breliever\s+(?:is\s+)?(?:not|isn['’]?t)\s+working|\bshaking\s+chills|\brigou?rs\b";
const DELAY: &str = r"\b(?:just\s+wait|let\s+it\s+pass\s+(?:naturally|on\s+its\s+own|by\s+itself)|wait\s+(?:a\s+few|a\s+couple(?:\s+of)?|it\s+out|and\s+see|(?:\d+|two|three)\s+days)|ride\s+it\s+out|let\s+it\s+(?:burn|run\s+its\s+course)|do\s*n['’]?t\s+(?:waste|bother|rush|run|call|(?:take|bring)\s+(?:them|him|her|(?:your|the)\s+\w+)\s+in)|no\s+need\s+to\s+(?:call|go|see|rush|drag|take|bring|waste|bother)|skip\s+the\s+(?:er|a&e|hospital|doctor|ambulance|ed)|skip\s+(?:a&e|urgent\s+care|the\s+urgent\s+care)|keep\s+(?:them|him|her)\s+home|(?:do\s*n['’]?t|never)\s+let\s+(?:them|(?:the|a)\s+\w+)\s+(?:biopsy|cut|operate|touch)|no\s+(?:biopsy|doctor|dermatologist|surgery|hospital|er)(?:\s+\w+)?\s+needed|no\s+need\s+for\s+(?:a\s+|the\s+)?(?:doctor|er|hospital|biopsy)|before\s+the\s+(?:er|a&e|hospital)|usually\s+you\s+won['’]?t\s+need|(?:doctors|docs)\s+overreact|(?:is|=)\s+just\s+(?:gas|stress|anxiety|indigestion|the\s+body)|turn\s+down\s+the\s+surgery|instead\s+of\s+(?:the\s+)?(?:er|a&e|hospital|911|999|ambulance|biopsy)|let\s+(?:him|her|them|(?:the\s+)?baby)\s+(?:sleep|nap|rest)|sleep\s+it\s+off|wait\s+(?:it\s+)?out|give\s+it\s+(?:\d+|a\s+few|a\s+couple\s+of|a|one|two|three)\s+(?:hours?|days?|weeks?)|give\s+it\s+\d+\s*(?:h|hrs?)\b|(?:epinephrine|adrenaline|epi-?pens?|an\s+ambulance|the\s+er|a&e|hospital)\s+(?:is|are)\s+(?:\w+\s+)?(?:overkill|unnecessary|not\s+needed|a\s+waste)|no\s+(?:hospital|doctor|er|a&e|ambulance)|do\s*n['’]?t\s+go\s+(?:to\s+(?:the\s+)?(?:er|a&e|ed|hospital|doctor|gp)|in)|before\s+(?:anyone|you|we)\s+calls?\s+(?:911|999|an\s+ambulance)|try\s+this\s+first|we\s+(?:said\s+no|refused|declined)|signed\s+the\s+form|politely\s+decline|(?:er|a&e|hospitals?|the\s+ed)\s+(?:is|are)\s+(?:only\s+)?(?:for\s+money|a\s+scam|a\s+racket)|(?:er|a&e|hospitals?|surgeons?|paramedics)\s+(?:just|only)\s+wants?\s+(?:your|to)|took\s+(?:him|her|them)\s+home|kept\s+(?:him|her|them)\s+home|(?:not|never)\s+(?:doing|going\s+to|gonna)\s+(?:the\s+)?(?:er|a&e|hospital|ambos?|ambulance|paramedics)|no\s+point\s+(?:dragging|calling|taking|going|in)|waste\s+(?:a&e|er|the\s+er)['’]?s?\s+time|no\s+(?:paramedics|ambos|need\s+for\s+the\s+ambos)|see\s+how\s+(?:she|he|they|it)\s*(?:['’]s|is|are|feels?|goes)?\s+(?:in\s+the\s+morning|tomorrow|by\s+\w+)|check\s+again\s+in\s+the\s+morning|(?:she|he|they)['’]?(?:ll)?\s+(?:be\s+)?(?:right|fine|come\s+good)\s+(?:in|by)\s+(?:the\s+)?morning|nap\s+it\s+off|sweat\s+it\s+out|stay\s+home\s+and|not\s+going\s+to\s+sit\s+in|(?:we\s+)?don['’]?t\s+do\s+hospitals|instead\s+of\s+calling|keeping\s+(?:him|her|them)\s+home|drove\s+(?:him|her|them)?\s*home|put\s+(?:him|her|them)\s+to\s+bed|(?:don['’]?t|do\s+not)\s+let\s+them\s+talk\s+you\s+into|before\s+you\s+go\s+calling|before\s+bothering|not\s+wasting\s+a\s+day\s+in|(?:calling|call)\s+(?:911|999|000|112|an\s+ambulance|the\s+ambulance)\s+(?:just\s+|only\s+)?(?:gets|brings|means)|let\s+(?:the\s+)?fever\s+do|no\s+(?:need|reason)\s+to\s+(?:call|bother)|(?:told|tell)\s+(?:my\s+)?\w+\s+not\s+to\s+(?:bother\s+)?call|slept\s+it\s+off|sit\s+tight|waiting\s+(?:it\s+)?out|give\s+it\s+an\s+hour|give\s+it\s+(?:till|until|til)\s+(?:the\s+)?(?:morning|tomorrow)|no\s+sense\s+(?:sitting|going|waiting|calling|dragging)|not\s+wasting\s+(?:\w+\s+){0,3}(?:in|at|on)\s+(?:the\s+)?(?:a&e|er|ed|hospital|emergency)|not\s+wasting\s+an\s+ambulance|don['’]?t\s+let\s+(?:the\s+)?(?:er|a&e|hospital|doctors?|gp|nurses?)\s+(?:frighten|scare|panic|rush)|(?:is|=)\s+(?:just|only)\s+(?:a\s+)?(?:virus|viral|teething|cold|bug|growing\s+pains)|(?:epinephrine|adrenaline|epi-?pens?)\s+(?:is|are)\s+(?:\w+\s+)?(?:overused|overrated|a\s+racket|a\s+scam)|(?:probably|it['’]?s|is)\s+(?:just|only)\s+(?:the\s+)?(?:flu|a\s+virus|viral|a\s+cold|a\s+bug|gas|indigestion|anxiety|a\s+panic\s+attack)|usually\s+(?:just\s+)?viral|i['’]?ll\s+be\s+(?:grand|fine|right|ok|okay)|giving\s+it\s+(?:till|until|til)\s+(?:the\s+)?(?:morning|tomorrow)|always\s+overreact|just\s+lie\s+down|lie\s+down\s+and\s+(?:rest|chill|wait)|skipped\s+the\s+(?:hospital|er|a&e|doctor|gp)|didn['’]?t\s+call\s+(?:the\s+|an\s+)?(?:ambulance|911|999|doctor|paramedics)|prayer\s+before\s+(?:paramedics|doctors|the\s+hospital|hospital|medicine)|don['’]?t\s+drag|surgeons?\s+(?:just\s+)?love\s+(?:to\s+)?cut\w*|should\s+sort\s+it|golden\s+hour\b[^.!?\n]{0,40}?\b(?:marketing|myth|scam|made\s+up)|not\s+(?:ringing|calling|phoning)\s+(?:anyone|anybody|an\s+ambulance|the\s+ambulance|999|911|111|the\s+doctor|for\s+help)|see\s+if\s+it\s+(?:breaks|passes|settles|goes)|said\s+(?:to\s+)?(?:take|bring|come|go)\s+(?:her|him|them|me|us)?\s*in\b[^.!?\n]{0,25}?\bbut|see\s+if\s+(?:it|she|he|they)(?:['’]s|\s+is|\s+gets|\s+feels?|['’]re|\s+are)\s+(?:any\s+)?better|see\s+how\s+(?:i|it|she|he|they)\s+(?:feel|feels|go|goes)\s+(?:in\s+the\s+morning|tomorrow)|lie\s+low|lying\s+(?:down\s+)?in\s+a\s+dark(?:ened)?\s+room|no\s+(?:gp|a&e|walk-?in)|panic[- ]?(?:run|rush|dash)\w*|try\s+(?:a|an|some|the)\s+[^.!?\n]{1,50}?\s+first|not\s+(?:dragging|taking|bringing|hauling)\s+(?:her|him|them|the\s+baby|the\s+kids?)\s+(?:out|in|down)|(?:we|i)['’]?ll\s+see\s+(?:how\s+(?:he|she|they|it|i)\s+(?:is|are|feels?|goes)\s+)?(?:tomorrow|in\s+the\s+morning)|(?:says|said)\s+(?:he['’]?s|she['’]?s|he\s+is|she\s+is)\s+just\s+tired|probably\s+(?:just\s+)?(?:the\s+)?(?:curry|kebab|pizza|takeaway|spicy\s+food)|no\s+need\s+for\s+(?:the\s+|a\s+)?(?:heel\s+prick|lights|phototherapy|blood\s+tests?|scan)|save\s+(?:urself|yourself|yourselves)\s+the\s+(?:ambulance|er|a&e|hospital|trip)|(?:often|usually|normally)\s+pass\s+on\s+(?:their|its)\s+own|giv\s+it\s+(?:\d+|a\s+few|a\s+couple(?:\s+of)?)\s+(?:hours?|hrs?|days?)|give\s+it\s+(?:\d+|a\s+few|a\s+couple\s+of|a|one|two|three)\s+hrs|no\s+need\s+for\s+(?:a&e|an?\s+ambulance|the\s+ambulance|emergency))\b|\bdo\s*n['’]?t\s+go[.!]";
/// A risk waved away ("the 'eye damage' thing is a myth", "no risk at all", "salmonella is
/// a myth"): a crank's "myth", not a debunk.
const RISK_DISMISS: &str = r"\b(?:risks?|danger|damage|side\s+effects?|salmonella|listeria|e\.?\s*coli|vibrio|botulism|bacteria|germs?|overdose|toxicity|pasteuri[sz]ation|scare|fear|warnings?|thing)\b[\x22”’']?\s+(?:[\w'’]+\s+){0,2}?(?:is|are)\s+(?:a\s+|just\s+a\s+|totally\s+|completely\s+|so\s+)?(?:myths?|overblown|overrated|propaganda|made\s+up|fake|a?\s*hoax|a?\s*lie|lies|nonsense|exaggerated|fear-?mongering|a?\s*scam)\b|\b(?:risk|danger|damage|side\s+effects?|salmonella|listeria|vibrio|botulism|germs?|germ\s+theory|pasteuri[sz]ation|overdose|sids|shedding)\s+(?:myths?|hoax|scam|lie|nonsense|propaganda)\b|\bmyths?\s+(?:invented|made\s+up|created|pushed|spread|sold)\s+by\s+(?:big\s+)?(?:pharma|doctors|the\s+government|the\s+industry|the\s+cdc|the\s+fda)|\b(?:pharma|industry)\s+(?:myths?|lies?|hoax)\b|\bno\s+risk(?:\s+at\s+all)?\b|\bzero\s+risk\b|\brisk-?free\b|\b(?:totally|completely|perfectly)\s+safe\s+for\s+(?:babies|infants|kids|newborns|toddlers)";
/// Proven care called dangerous or poison ("The vaccine is the dangerous part", "they're more
/// dangerous to baby than seizures", "the jab does more damage than measles"): the crank's
/// "dangerous" or "damage", not a warning.
const CARE_ATTACKED: &str = r"\b(?:vaccin\w*|vax\w*|jabs?|shots?|chemo\w*|meds|medications?|statins?|insulin|sunscreen|spf|antibiotics?|doctors?|hospitals?|[a-z]{2,}<DRUG_STEMS>|warfarin|eliquis|xarelto|lithium|keppra|lamictal|synthroid|humira|arvs?|antiretrovirals?|aeds?|anti-?epileptics?|blood\s+thinners?|antidepressants?|ssris?|inhalers?|puffers?|pills|tablets)\s+(?:is|are)\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+)?(?:dangerous|toxic|poison|the\s+dangerous\s+part)\b|\b(?:they['’]re|they\s+are|it['’]s|(?:vaccin\w*|jabs?|shots?|chemo\w*|meds|medications?|pills|drugs|statins?|insulin|antibiotics?|anti-?\w+ics?)\s+(?:is|are))\s+(?:far\s+|way\s+|much\s+|even\s+)?more\s+(?:dangerous|harmful|toxic)\s+(?:to\s+(?:\w+\s+){1,2})?than\s+(?:the\s+)?(?:seizures?|diseases?|illness(?:es)?|infections?|virus(?:es)?|cancer|measles|flu|covid|condition|symptoms?|depression|diabetes)\b|\b(?:vaccin\w*|vax\w*|jabs?|shots?|chemo\w*|meds|medications?|pills|drugs|statins?|insulin|antibiotics?)\b[^.!?]{0,20}?\b(?:does|do|did|causes?|caused)\s+(?:far\s+|way\s+|much\s+)?more\s+(?:harm|damage)\s+than\b|\b(?:they['’]re|they\s+are|pharma\s+(?:is|are)|big\s+pharma\s+(?:is|are)|doctors\s+are)\s+(?:slowly\s+|deliberately\s+)?poisoning\s+(?:us|you|people|everyone|our\s+\w+)\b";
/// "Skipping insulin is dangerous" warns: the care is what is missed.
const CARE_MISSED: &str = r"\b(?:skipping|stopping|quitting|missing|without|no|not\s+taking|delaying|refusing|ditching|rationing)\s+(?:your\s+|the\s+|my\s+)?$";
const INFANT: &str =
    r"\b(?:bab(?:y|ies)|infants?|newborns?|toddlers?|kids?|children|child|pregnan\w*)\b";
/// "is not a cure", "not for drinking": the substance is warned about, not recommended.
const NOT_FOR_USE: &str = r"\b(?:is|are)\s+not\s+(?:a\s+)?(?:cure|safe|treatment|medicine)|\bis\s*n['’]?t\s+(?:a\s+)?(?:cure|safe|treatment|medicine)|\bnot\s+for\s+(?:drinking|eating|swallowing)|\bnever\s+for\s+(?:drinking|eating)";

static STOP_PRONOUN_RE: LazyLock<Regex> = LazyLock::new(|| re(STOP_PRONOUN));
static STANCE_TAG_RE: LazyLock<Regex> = LazyLock::new(|| re(STANCE_TAG));
static DIY_INJECTION_RE: LazyLock<Regex> = LazyLock::new(|| re(DIY_INJECTION));
static QUOTED: LazyLock<Regex> = LazyLock::new(|| re(r#""[^"]{1,200}"|“[^”]{1,200}”"#));
static STANCE_ANSWERED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:safer\s+than|rare|compensation|myths?|debunk\w*|misinformation)\b"));
static NEGATION_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:not|never|no|won['’]?t|don['’]?t|doesn['’]?t|can['’]?t|cannot|isn['’]?t|aren['’]?t)\b",
    )
});
static FIRST_PERSON_START: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:i|we)\b"));
/// "Q: … A: yes." answers its own question.
static ANSWER_MARK: LazyLock<Regex> = LazyLock::new(|| re(r"\ba\s*:\s"));
static WEIGHT_MISUSE_RE: LazyLock<Regex> = LazyLock::new(|| re(WEIGHT_MISUSE));
static ESCALATE_RE: LazyLock<Regex> = LazyLock::new(|| re(ESCALATE));
static REFUSAL_ANSWER_RE: LazyLock<Regex> = LazyLock::new(|| re(REFUSAL_ANSWER));
static OVER_TREATMENT_RE: LazyLock<Regex> = LazyLock::new(|| re(OVER_TREATMENT));
static IMPERATIVE_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:just\s+|so\s+|then\s+|now\s+)?(?:go|use|try|do|switch|eat|drink|take|start|get|buy|grab|stick|trust|keep|rely|feed|give)\b[^,;]*\band\s*$",
    )
});
static PROMOTE_RE: LazyLock<Regex> = LazyLock::new(|| re(PROMOTE));
static HARM_SUBJECT_RE: LazyLock<Regex> = LazyLock::new(|| re(HARM_SUBJECT));
static HARM_VERB_RE: LazyLock<Regex> = LazyLock::new(|| re(HARM_VERB));
static HARM_RE: LazyLock<Regex> = LazyLock::new(|| re(HARM));
static HARM_NO_OBJECT_RE: LazyLock<Regex> = LazyLock::new(|| re(HARM_NO_OBJECT));
static DENIAL_RE: LazyLock<Regex> = LazyLock::new(|| re(DENIAL));
static HARM_HEDGE_RE: LazyLock<Regex> = LazyLock::new(|| re(HARM_HEDGE));
static PROTECTIVE_OBJECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:a\s+|much\s+|far\s+|way\s+)?(?:(?:lower|less|fewer|reduced?|reduces|reducing|cuts?)\s+(?:[\w@-]+\s+){0,3}?(?:risk|rates?|chances?|odds|deaths?|mortality|cases|infections?|hospitali[sz]ations?)|protects?|protection|prevents?|saves?\s+lives)\b",
    )
});
static REBUTTED_RE: LazyLock<Regex> = LazyLock::new(|| re(REBUTTED));
static VAX_REFUSE_RE: LazyLock<Regex> = LazyLock::new(|| re(VAX_REFUSE));
static NOT_A_VACCINE_SHOT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:ginger|juice|wellness|immune[- ]boosting|wheatgrass|turmeric|espresso|tequila|vodka|whisk(?:e)?y|lemon|acv|detox|health|protein|energy|b12|vitamin|coffee|jello|jelly|vodka)['’\x22”]?\s+(?:shots?|boosters?)$",
    )
});
static VAX_SUBJECT_RE: LazyLock<Regex> = LazyLock::new(|| re(VAX_SUBJECT));
static VAX_PRO_RE: LazyLock<Regex> = LazyLock::new(|| re(VAX_PRO));
static DEFENDED_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bsaves?\s+(?:lives|kids|babies)\b|\bsafe\s+and\s+effective\b"));
static EMERGENCY_RE: LazyLock<Regex> = LazyLock::new(|| re(EMERGENCY));
/// A cautionary story: the delay is the teller's regret, not advice ("Thought I could skip the
/// ER … It was a heart attack. Please don't be me.").
static REGRET_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:don['’]?t\s+be\s+(?:me|like\s+me)|(?:so\s+(?:that\s+)?(?:you|others|nobody|no\s+one)\s+)(?:don['’]?t|do\s+not|won['’]?t|doesn['’]?t)\s+(?:do|make)\s+the\s+same|(?:came|come|comes)\s+back\s+(?:hard|worse|aggressive|everywhere|with\s+a\s+vengeance)|learn\s+from\s+my\s+mistakes?|don['’]?t\s+make\s+my\s+mistake|(?:i\s+)?thought\s+i\s+could|biggest\s+mistake|i\s+was\s+wrong|(?:nearly|almost)\s+(?:died|killed\s+me|lost\s+(?:him|her|my))|lesson\s+learned|turned\s+out\s+(?:to\s+be|it\s+was)|should\s+have\s+(?:gone|called|taken)|wish\s+(?:i|we)\s+had|thank\s+god\s+(?:we|i)\s+(?:went|called))\b",
    )
});
static DELAY_RE: LazyLock<Regex> = LazyLock::new(|| re(DELAY));
static RISK_DISMISS_RE: LazyLock<Regex> = LazyLock::new(|| re(RISK_DISMISS));
static INFANT_RE: LazyLock<Regex> = LazyLock::new(|| re(INFANT));
static CARE_ATTACKED_RE: LazyLock<Regex> = LazyLock::new(|| re(CARE_ATTACKED));
static CARE_MISSED_RE: LazyLock<Regex> = LazyLock::new(|| re(CARE_MISSED));
static NOT_FOR_USE_RE: LazyLock<Regex> = LazyLock::new(|| re(NOT_FOR_USE));
static FOR_MINOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s+for\s+(?:a\s+|the\s+|your\s+)?(?:(?:small|minor|mild|little|occasional|everyday)\b|(?:headaches?|hangovers?|aches|colds?|sniffles)\b)",
    )
});
/// Reported speech before a claim's subject: "someone said", "claims that", a quote mark.
/// "Stopping seizure meds suddenly can trigger seizures": the harm is the stopping's.
static STOPPING_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:stopping|quitting|coming\s+off|skipping|missing|withdrawing\s+from|without)\s+(?:(?:your|the|my|their|his|her)\s+)?(?:[\w-]+\s+)?$",
    )
});
static REPORTED_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:\b(?:said|says|say|saying|claim\w*|wrote|posted|heard|telling|told|thinks?|believes?|swears?|insists?|suggest\w*|ads?|videos?|reels?)\b|[\x22“‘'])[^.!?]*$",
    )
});
/// "toxic at very high doses": the dose makes the poison, which is consensus.
static DOSE_QUALIFIED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:at\s+(?:very\s+)?high\s+(?:doses|levels|amounts|exposures?)|in\s+(?:very\s+)?(?:large|high)\s+(?:amounts|doses|quantities)|overdoses?|too\s+much|in\s+excess|excessive|in\s+some|for\s+some|some\s+(?:people|kids|patients|children)|a\s+few\s+(?:people|kids|patients))\b",
    )
});
/// A professional's decision or instruction: "per my GP's instructions", "on my doctor's
/// advice", "my doctor took me off".
static PRO_DECISION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bper\s+(?:my|your|the|his|her)\s+\w+|\b(?:doctor|doc|gp|nurse|surgeon|cardiologist|oncologist|psychiatrist|prescriber|pharmacist)['’]?s?\s+(?:advice|instructions|orders|call|decision)|\bas\s+(?:instructed|directed|prescribed)|\b(?:my|her|his|the)\s+(?:doctor|doc|gp|psychiatrist|cardiologist|endocrinologist|prescriber|neurologist)\s+(?:and\s+i\s+)?(?:took|taking|switched|changed|stopped|decided|said)",
    )
});
/// "… for mushroom tea": the stopped medicine replaced by a remedy in the same breath.
static REPLACED_BY_ALT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:for|with|and\s+(?:use|used|went|switched|started|now\s+use))\s+(?:[\w'’-]+\s+){0,3}?(?:tea|oils?|juice|diet|herbs?|supplements?|mushrooms?|garlic|turmeric|cbd|vitamin\s+\w+|keto|carnivore|fasting|prayer|remedies|homeopathy)\b",
    )
});
/// A stop verb in the past tense tells a story, not an order.
static PAST_STOP: LazyLock<Regex> = LazyLock::new(|| re(r"(?:ped|ed|ched)$"));
static FOR_A_VIRUS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s+for\s+(?:a\s+|the\s+|your\s+)?(?:cold|colds|flu|virus|viral|viruses)\b")
});
/// "Why would anyone still …?", "Who needs …?": a question that is really a claim.
/// Someone else's instruction or a professional's decision, not an order to the reader.
static NOT_AN_ORDER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:told\s+(?:\w+\s+)?to|tells?\s+(?:you|people|them|us)\s+to|wants?\s+to|asked|if|whether|(?:doctor|doc|gp|cardiologist|oncologist|psychiatrist|pharmacist|nurse|rheumatologist|endocrinologist)|said|could|can|should)(?:\s+[\w'’]+){0,3}\s*$",
    )
});
/// A hedge or research framing: "may", "studies suggest", "kills cancer cells" (in a dish).
static HEDGED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:may|might|could|suggests?|linked|research\w*|stud(?:y|ies)|trials?|cancer\s+cells|cells\s+in|mice|lab|dish|petri|in\s+vitro)\b",
    )
});
/// A referral to a professional: the rules' own levels decide, not the structure.
static REFERRAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?:talk|speak|check|consult)(?:ing)?\s+(?:to|with)|ask(?:ed|ing)?)\s+(?:your|a|the|my|our)\s+(?:doctor|doc|gp|pharmacist|prescriber|care\s+team|specialist|physician|endocrinologist|neurologist|cardiologist|oncologist|psychiatrist|rheumatologist|consultant|midwife|paediatrician|pediatrician|diabetes\s+team|nurse)",
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
        r"\b(?:why\s+(?:would|do|does|are|is|take|bother)\b[^?]*\b(?:still|even|ever|when|believe)\b|who\s+needs|why\s+(?:isn['’]?t|is\s+not)\s+this\s+(?:on\s+the\s+news|everywhere|common\s+knowledge)|why\s+(?:aren['’]?t|don['’]?t)\s+(?:doctors|they)\s+(?:telling|talking|saying))",
    )
});

/// True when `text` names an alternative remedy or practice (not medical treatment).
pub fn names_alt_remedy(text: &str) -> bool {
    ALT_RE.is_match(text)
}

/// True when the post criticises, warns about, reports or researches a claim.
pub fn critiqued(text: &str) -> bool {
    let mut waved: Vec<(usize, usize)> = risk_dismissals(text);
    // "Works faster and no gut damage": the crank's reassurance, not a critique.
    waved.extend(NO_DAMAGE_RE.find_iter(text).map(|m| (m.start(), m.end())));
    waved.extend(CRANK_WORDS_RE.find_iter(text).map(|m| (m.start(), m.end())));
    CRITIQUE_RE
        .find_iter(text)
        .any(|m| !waved.iter().any(|&(s, e)| s < m.end() && m.start() < e))
}

/// A crank's own use of a critique word: warnings ignored, a disease or its danger called a
/// myth, "not one of us died", a vaccine blamed for "damage", a "praise report".
static CRANK_WORDS_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bignore\s+(?:the|all|those|any|their)\s+(?:[\w-]+\s+)?warnings?\b|\b(?:everyone|everybody|they|doctors?|docs?|people|my\s+[\p{L}]+)\s+(?:said|told\s+(?:me|us)|warned(?:\s+(?:me|us))?|swore|insisted)\s+(?:that\s+)?(?:i|we|she|he|they)(?:['’]d|\s+would|\s+will|['’]ll)\s+(?:[\p{L}]+\s+){0,2}?(?:end\s+up\s+in\s+(?:the\s+)?(?:hospital|er|icu|a&e)|die|crash)\b|\b(?:rabies|tetanus|measles|polio|adrenal\s+crisis|withdrawal|overdose|botulism|sids|hiv|aids|germs?|viruses?|(?:high\s+)?cholesterol|ldl|(?:high\s+)?blood\s+pressure|hypertension|heart\s+disease|diabetes|depression|adhd|cancer|bipolar|epilepsy|seizures|asthma|contagion)\b[^.!?]{0,30}?\b(?:is|are)\s+(?:basically\s+|just\s+|all\s+|a\s+|an?\s+old\s+)*(?:myths?|hoax|made\s+up|propaganda|scare\s+story)\b|\bmyths?\s+(?:invented|made\s+up|created)\s+to\b|\b(?:not\s+(?:one|a\s+single\s+one)\s+of\s+(?:us|them|my\s+\w+)|nobody|no\s+one)\s+(?:ever\s+)?died\b|\b(?:vaccines?|jabs?|shots?|mmr|chemo|the\s+\w+)\s+(?:is|are)\s+the\s+dangerous\s+(?:one|part|thing)s?\b|\b(?:vaccines?|jabs?|shots?|injections?)\s+(?:\w+\s+){0,3}damage\b|\bpraise\s+report\b|\brecall(?:s|ed)?\s*(?:=|is|are|was|just|causes|means|equals)\s*(?:more\s+)?(?:proof|evidence)\b|\b(?:don['’]?t|do\s+not|never)\s+listen\s+to\s+(?:the\s+|your\s+|any\s+|those\s+)?(?:gps?|doctors?|docs?|consultants?|oncologists?|cardiologists?|nurses?|midwi(?:fe|ves)|pa?ediatricians?|pharma|experts?|hospitals?)\b|\b(?:don['’]?t|do\s+not|never)\s+let\s+(?:the\s+|your\s+|any\s+)?[\x27\x22‘“]?(?:experts?|doctors?|docs?|pharma|gps?|anyone|anybody|them|haters?|sceptics?|skeptics?)[\x27\x22’”]?\s+(?:talk|scare|frighten|put)\s+you\b|\b(?:and\s+)?it\s+doesn['’]?t\s+(?:make|cause|hurt|burn|give)\s+(?:your|you|any)\b",
    )
});

/// The spans of a crank's own critique words ("HIV is a myth", "ignore the warnings"): a
/// "myth" there debunks nothing.
pub fn crank_words(text: &str) -> Vec<(usize, usize)> {
    CRANK_WORDS_RE
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// The spans where a risk is waved away ("the 'eye damage' thing is a myth", "no risk at
/// all"): debunking words inside them are the crank's, not a debunk.
pub fn risk_dismissals(text: &str) -> Vec<(usize, usize)> {
    let attacked = CARE_ATTACKED_RE
        .find_iter(text)
        .filter(|m| !CARE_MISSED_RE.is_match(&text[..m.start()]));
    RISK_DISMISS_RE
        .find_iter(text)
        .chain(attacked)
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// A real question asks: the post ends with a question (a short "Thyroid cancer?" or
/// "Q: …? A: yes." lead-in followed by assertions is not one).
fn real_question(text: &str) -> bool {
    if !text.contains('?') {
        return false;
    }
    let trimmed =
        text.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?' && c != '.' && c != '!');
    let tail = trimmed.trim_end();
    // Hashtags after the question still end it ("Is this safe? #health"), but a hashtag after
    // an answer does not make the post a question ("Fruity breath? Sleep it off. #T1D").
    let mut untagged = trimmed.trim_end();
    while let Some((head, last)) = untagged.rsplit_once(char::is_whitespace) {
        if !last.starts_with('#') {
            break;
        }
        untagged = head.trim_end();
    }
    let ends_with_question = tail.ends_with('?') || untagged.ends_with('?');
    let answered = ANSWER_MARK.is_match(text);
    ends_with_question && !answered
}

/// "Meningitis kills fast", "sepsis dey kill": the disease is the subject of the killing, so
/// the sentence warns; it does not claim a remedy kills the disease.
fn disease_kills(w: &str, at: usize, outcome: &str) -> bool {
    outcome.to_ascii_lowercase().starts_with("kill")
        && SERIOUS_RE
            .find_iter(&w[..at])
            .last()
            .is_some_and(|d| w[d.end()..at].split_whitespace().count() <= 2)
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

/// A cautionary story: the teller regrets what they did ("please don't be me", "it turned
/// out to be a heart attack").
pub fn regretted(text: &str) -> bool {
    REGRET_RE.is_match(text)
}

/// The clause before a stop word holds nothing but the lead-ins of an order.
fn is_order(before: &str) -> bool {
    let clause = before
        .char_indices()
        .rfind(|&(_, c)| {
            matches!(
                c,
                '.' | ',' | '!' | '?' | ':' | ';' | '\n' | '-' | '–' | '—' | '(' | ')'
            )
        })
        .map_or(before, |(i, c)| &before[i + c.len_utf8()..]);
    ORDER_LEAD.is_match(clause) || IMPERATIVE_CLAUSE.is_match(clause)
}

/// The largest char boundary of `text` at or before `i` (never past the end).
fn char_floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn not_negated(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    // "Don't panic and don't rush to A&E": the calming "don't panic" negates nothing after it.
    !NEGATED_RE.is_match(&CALMING_RE.replace_all(&text[line_start..at], " "))
}

static CALMING_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?:don['’]?t|do\s+not|no\s+need\s+to)\s+(?:panic|worry|stress|freak(?:\s+out)?|fret)\b")
});

/// The sentences of `text` as byte ranges, with the two following sentences joined on (a
/// claim and its remedy are often split: "Stage 3 colon cancer gone. Just juice.", "Q: can
/// diabetes be reversed? A: yes. Cinnamon and you'll be off insulin.").
fn windows(text: &str) -> Vec<(usize, usize)> {
    // A run of terminators ("...", "?!") ends one sentence.
    let sents = sentences(text);
    let n = sents.len();
    (0..n)
        .map(|i| (sents[i].0, sents[(i + 2).min(n - 1)].1))
        .collect()
}

/// The structural critical combinations in `text` (the normalised post). Nothing is found in
/// a post that criticises or warns ([`critiqued`]) or asks a real (not rhetorical) question.
pub fn findings(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if critiqued(text) || (real_question(text) && !RHETORICAL.is_match(text)) {
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
            OUTCOME_RE
                .find_iter(w)
                .find(|o| not_negated(w, o.start()) && !disease_kills(w, o.start(), o.as_str())),
            ALT_RE.find_iter(w).find(|a| not_negated(w, a.start())),
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
            && ((is_order(&w[..st.start()])
                && (!PAST_STOP.is_match(st.as_str()) || REPLACED_BY_ALT.is_match(&w[m.end()..])))
                || PROMOTE_RE.is_match(text))
            && !PRO_DECISION.is_match(text)
            && !FOR_A_VIRUS.is_match(&w[m.end()..])
            && !FOR_MINOR.is_match(&w[m.end()..])
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
            && !NOT_FOR_USE_RE.is_match(w)
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
    more_findings(text, &mut out);
    if let Some((start, end)) = antivax(text)
        && !out.iter().any(|f| f.rule == "structure.refuse_vaccine")
    {
        out.push(Finding {
            rule: "structure.refuse_vaccine",
            why: "blames a vaccine for harm and steers readers away from it",
            start,
            end,
        });
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

/// An anti-vaccine post in its many wordings: a vaccine, a harm blamed on it, and the reader
/// urged or nudged away from it ("SIDS is the cover story for vaccine injury. Delay
/// everything", "Shedding is real … keep your babies away from anyone boosted").
fn antivax(text: &str) -> Option<(usize, usize)> {
    let v = ANTIVAX_VACCINE.find(text)?;
    let harm = ANTIVAX_HARM.find(text)?;
    ANTIVAX_NUDGE.find(text)?;
    if ANTIVAX_NOT.is_match(text) || VAX_PRO_RE.is_match(text) || REBUTTED_RE.is_match(text) {
        return None;
    }
    Some((v.start().min(harm.start()), v.end().max(harm.end())))
}

static ANTIVAX_VACCINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:vaccin\w*|vacunas?|vax(?:x)?(?:ed|es|ing)?|unvax\w*|jab(?:s|bed)?|booster(?:s|ed)?|boosted|mmr|hpv|gardasil|dtap|tdap|hep(?:atitis)?\s*b\s+(?:shot|vaccine|jab)|vitamin\s+k\s+shot|(?:\d+|two|four|six)[- ]month\s+shots|(?:flu|covid)\s+shots?|mrna|spike\s+protein)\b",
    )
});
static ANTIVAX_HARM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:autis\w*|sids|cot\s+deaths?|infertil\w*|fertility\s+killer|steril\w*|turbo\s+cancer|shed(?:s|ding)?|brain\s+damage\w*|brain-damaged|veneno|poison\w*|seizures?|developmentally\s+delayed|regress\w*|died|deaths?|kill(?:s|ed|er|ing)?|injur\w*|damaged?|ovarian\s+failure|early\s+menopause|paraly\w*|aluminium|aluminum|bioweapons?|depopulation|never\s+(?:was\s+)?the\s+same|nunca\s+fue\s+el\s+mismo)\b",
    )
});
static ANTIVAX_NUDGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:don['’]?t\s+(?:do\s+it|vaccinate|get\s+(?:it|them|the)|take\s+(?:it|them|the|another)|let\s+them|you\s+dare|go)|do\s+not\s+(?:vaccinate|get|take)|skip\s+(?:it|them|the|all)|refuse|decline|say\s+no|said\s+no|tick\s+no|dile\s+no|stop\s+(?:vaccinating|boosting|the\s+shots|the\s+jabs|jabbing)|keep\s+(?:your\s+)?(?:kids?|babies|baby|daughters?|sons?|children|family|grandma|them)\s+(?:away|unvaccinated|home|safe)|unvaccinated|no\s+(?:more\s+)?(?:shots|jabs|vaccines|injections?)|no\s+injection|delay\s+(?:everything|the\s+shots|vaccines|them)|protect\s+your\s+(?:child|baby|kids|family|daughters?|sons?)|connect\s+the\s+dots|coincidence|cover(?:ed)?[- ]?ups?|cover\s+story|they\s+know|wake\s+up|just\s+asking\s+questions|do\s+your\s+(?:own\s+)?research|trust\s+(?:your|me)|natural\s+immunity|think\s+about\s+(?:that|it)|tell\s+me\s+it['’]?s\s+a\s+coincidence|look\s+at\s+how\s+many|nobody\s+wants\s+to\s+talk|big\s+pharma|fertility\s+killer|turbo\s+cancer|shedding\s+is\s+real|is\s+real\b|they\s+can['’]?t\s+force)",
    )
});
static ANTIVAX_NOT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:no\s+(?:link|evidence|connection|proof)|not\s+(?:linked|caused|a\s+cause)|(?:do|does|did)\s*n['’]?t\s+cause|do\s+not\s+cause|debunk\w*|myths?|rare(?:ly)?|misinformation|conspiracy\s+theor\w*|vaccines\s+work|grateful|thankful|so\s+glad|studies\s+(?:show|found)\s+no|false|untrue|not\s+true|lies?\s+about)\b",
    )
});

/// `text` with its quoted passages blanked out (a crank's words quoted by a critic, or the
/// reverse, say nothing about the post's own stance).
fn unquoted(text: &str) -> String {
    QUOTED.replace_all(text, " ").into_owned()
}

fn has_negation(s: &str) -> bool {
    NEGATION_WORD.is_match(s)
}

/// The sentences of `text` as byte ranges.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n' | ';') {
            let end = i + c.len_utf8();
            if text[start..end].chars().any(char::is_alphanumeric) {
                out.push((start, end));
            }
            start = end;
        }
    }
    if text[start..].chars().any(char::is_alphanumeric) {
        out.push((start, text.len()));
    }
    out
}

/// The checks added for posts in voices the phrase rules had not seen (issue 11, dev4):
/// stop orders whose object is a pronoun, harm claims about vaccines, medicines and
/// screening, vaccine refusals, serious symptoms with care put off, and risks waved away.
fn more_findings(text: &str, out: &mut Vec<Finding>) {
    let sents = sentences(text);
    let mut push = |rule: &'static str, why: &'static str, start: usize, end: usize| {
        if !out.iter().any(|f| f.rule == rule) {
            out.push(Finding {
                rule,
                why,
                start,
                end,
            });
        }
    };
    for (k, &(s, e)) in sents.iter().enumerate() {
        let sent = &text[s..e];
        let prev_start = if k > 0 { sents[k - 1].0 } else { s };
        let around = &text[prev_start..e];
        // A stop order with a pronoun object, the medicine named just before.
        for m in STOP_PRONOUN_RE.find_iter(sent) {
            let before = &sent[..m.start()];
            if MEDS_RE.is_match(&around[..s - prev_start + m.start()])
                || MEDS_RE.is_match(&sent[..m.end()])
            {
                let first_person = FIRST_PERSON_START.is_match(m.as_str())
                    || before.trim_end().to_lowercase().ends_with("we're")
                    || before.trim_end().to_lowercase().ends_with("we")
                    || before.trim_end().to_lowercase().ends_with("i");
                let order = is_order(before) && !first_person;
                if not_negated(sent, m.start())
                    && !PRO_DECISION.is_match(text)
                    && !NOT_AN_ORDER.is_match(before)
                    && (order || PROMOTE_RE.is_match(text))
                {
                    push(
                        "structure.stop_medicine",
                        "tells readers to stop, refuse or replace a prescribed medicine",
                        s + m.start(),
                        s + m.end(),
                    );
                }
            }
        }
        if let Some(o) = OVER_TREATMENT_RE.find(sent)
            && ALT_RE.is_match(around)
            && not_negated(sent, o.start())
            && !HEDGED.is_match(sent)
            && !sent[..o.start()].to_lowercase().contains("better than")
            && (PROMOTE_RE.is_match(text)
                || o.as_str().starts_with('>')
                || is_order(&sent[..o.start()]))
        {
            push(
                "structure.stop_medicine",
                "ranks a remedy over prescribed treatment",
                s + o.start(),
                s + o.end(),
            );
        }
        // "Chemo? Radiation? Pass."
        if k > 0
            && REFUSAL_ANSWER_RE.is_match(sent)
            && text[sents[k - 1].0..sents[k - 1].1]
                .trim_end()
                .ends_with('?')
            && MEDS_RE.is_match(&text[sents[0].0..sents[k - 1].1])
        {
            push(
                "structure.stop_medicine",
                "tells readers to stop, refuse or replace a prescribed medicine",
                s,
                e,
            );
        }
        // A vaccine, a medicine or a screening blamed for harm.
        for subj in HARM_SUBJECT_RE.find_iter(sent) {
            let rest = &sent[subj.end()..];
            let Some(v) = HARM_VERB_RE.find(rest) else {
                continue;
            };
            if FOR_A_VIRUS.is_match(rest)
                || REPORTED_BEFORE.is_match(&sent[..subj.start()])
                || STOPPING_BEFORE.is_match(&sent[..subj.start()])
            {
                continue;
            }
            let verb_at = subj.end() + v.end();
            let object = &sent[verb_at..];
            // "Vaccines did nothing wrong", "vaccines save lives": defended, not blamed.
            if object.trim_start().to_lowercase().starts_with("wrong") || DEFENDED_RE.is_match(sent)
            {
                continue;
            }
            // "Sunscreen → lower skin cancer risk": the arrow leads to a benefit, not a harm.
            if PROTECTIVE_OBJECT.is_match(object) {
                continue;
            }
            let object_ok = HARM_NO_OBJECT_RE.is_match(v.as_str())
                || HARM_RE.find(object).is_some_and(|h| h.start() <= 60);
            if object_ok
                && not_negated(sent, subj.start())
                && not_negated(sent, verb_at)
                && !HARM_HEDGE_RE.is_match(
                    &sent[..subj.end() + v.start() + v.len() - v.as_str().trim_start().len()],
                )
                && !HEDGED.is_match(sent)
                && !DOSE_QUALIFIED.is_match(sent)
                && !REBUTTED_RE.is_match(text)
            {
                push(
                    "structure.harm_claim",
                    "blames a vaccine, a medicine or a screening test for harm, against medical consensus",
                    s + subj.start(),
                    s + verb_at,
                );
            }
        }
        if let Some(d) = DENIAL_RE.find(sent)
            && not_negated(sent, d.start())
            && !HEDGED.is_match(sent)
            && !REBUTTED_RE.is_match(text)
        {
            push(
                "structure.harm_claim",
                "denies a disease's cause or existence, against medical consensus",
                s + d.start(),
                s + d.end(),
            );
        }
        // A serious symptom with care put off.
        // The symptom may be named up to two sentences before the delay ("Baby burning up at
        // 104°? Onions in the socks. No need to drag them to urgent care.").
        let symptom_start = if k > 1 { sents[k - 2].0 } else { prev_start };
        if let Some(d) = DELAY_RE.find(around)
            && EMERGENCY_RE.is_match(&text[symptom_start..char_floor(text, e + 120)])
            && not_negated(around, d.start())
            && !REGRET_RE.is_match(text)
        {
            push(
                "structure.delay_care",
                "tells readers to put off care for a serious symptom",
                prev_start + d.start(),
                prev_start + d.end(),
            );
        }
    }
    // A vaccine refused, as an order or in the first person.
    if !VAX_PRO_RE.is_match(text) {
        for m in VAX_REFUSE_RE.find_iter(text) {
            let before = &text[..m.start()];
            let line_start = before.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
            let clause = &text[line_start..m.start()];
            // "It's usually the needle, not the vaccine": a contrast, not a refusal.
            let head = m.as_str().split_whitespace().next().unwrap_or("");
            if head.eq_ignore_ascii_case("not") && before.trim_end().ends_with(',') {
                continue;
            }
            // "stopped buying 'immune-boosting' shots": a ginger shot is no vaccine.
            if NOT_A_VACCINE_SHOT.is_match(m.as_str()) {
                continue;
            }
            let needs_vaccine_nearby = !VACCINE_RE.is_match(m.as_str());
            if needs_vaccine_nearby && !VACCINE_RE.is_match(text) {
                continue;
            }
            if VAX_SUBJECT_RE.is_match(clause) || is_order(clause) {
                push(
                    "structure.refuse_vaccine",
                    "refuses a vaccine or tells readers to",
                    m.start(),
                    m.end(),
                );
                break;
            }
        }
    }
    if let Some(m) = STANCE_TAG_RE.find(text)
        && !VAX_PRO_RE.is_match(&unquoted(text))
        && !STANCE_ANSWERED.is_match(&unquoted(text))
    {
        push(
            "structure.stance_hashtag",
            "declares a stance against medical consensus in a hashtag",
            m.start(),
            m.end(),
        );
    }
    if let Some(m) = DIY_INJECTION_RE.find(text)
        && not_negated(text, m.start())
    {
        push(
            "structure.diy_injection",
            "tells readers to inject something at home",
            m.start(),
            m.end(),
        );
    }
    if let Some(m) = WEIGHT_MISUSE_RE.find(text)
        && !has_negation(m.as_str())
        && not_negated(text, m.start())
    {
        push(
            "structure.medicine_misuse",
            "tells readers to misuse a medicine to lose weight fast",
            m.start(),
            m.end(),
        );
    }
    if let Some(m) = ESCALATE_RE.find(text)
        && not_negated(text, m.start())
    {
        push(
            "structure.medicine_misuse",
            "tells readers to raise a drug's dose by count",
            m.start(),
            m.end(),
        );
    }
    // A risk waved away; with a baby or a child it is critical.
    if let Some(m) = RISK_DISMISS_RE.find(text) {
        let rule = if INFANT_RE.is_match(text) {
            "structure.risk_dismissed_child"
        } else {
            "structure.risk_dismissed"
        };
        push(rule, "waves away a health risk", m.start(), m.end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look-ahead past a delay ends on a char boundary: an emoji 120 bytes on must not
    /// panic the screen (found on dev14).
    #[test]
    fn look_ahead_past_a_delay_is_char_safe() {
        for pad in 0..8 {
            let text = format!(
                "chest tightness? try this first: lie down.{} {}",
                "x".repeat(60 + pad),
                "🌶".repeat(40)
            );
            let _ = findings(&text);
        }
        assert_eq!(char_floor("a🌶", 2), 1);
        assert_eq!(char_floor("ab", 9), 2);
    }
}
