//! The structural critical checks (`ai::guard::structure`): a serious disease "cured" by a
//! remedy, an order to stop a prescribed medicine, a toxic substance taken by mouth, a sick
//! child kept from care; and the rule that a post warning about such a claim is held, never
//! rejected, on the rules alone.

use xbot::ai::guard::eval::{Decision, decide};

#[test]
fn critical_structures_are_rejected() {
    for text in [
        "Me: diagnosed with Parkinson's. Also me 1 year later after fava beans + fasting: symptom free and off meds",
        "Colloidal silver cleared my husband's hepatitis C in 2 weeks. Who needs $80k antivirals?",
        "Pls dont take ur HIV meds they are toxic. immune system heals itself w/ proper diet",
        "Forget your blood thinners, eat more ginger and fish oil daily.",
        "Gasoline sniff for headache. Old trick, don't laugh till u try",
        "Let your baby cry it out with a fever of 40C, fever is the body's way, no doctor!",
        "HPV vaccine makes girls infertile. Don't let your daughter get it.",
        // Fourth pass: stop orders with a pronoun, harm claims, refusals, delayed care.
        "Blood thinners? Toss 'em. Nattokinase does the same.",
        "Epilepsy meds off, CBD oil on. Best decision we made. Do it.",
        "Chemo? Radiation? Pass. Go Gerson and trust your body.",
        "Statins cause dementia and heart failure. Nobody should take them.",
        "We're not vaxxing our newborn. Natural immunity is how God designed it.",
        "Chest pain at night = just gas. Don't waste hours in A&E, take baking soda.",
        "Raw milk for babies, no risk at all, the pasteurization myth kills nutrients.",
        "Weigh-in hack: take furosemide to drop 5 kg.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

#[test]
fn warnings_and_reports_are_never_rejected() {
    for text in [
        "Lol no, drinking bleach will not 'kill the virus', it will kill you. Stop sharing that video.",
        "Black salve is corrosive and can destroy healthy skin. Please see a dermatologist for any mole.",
        "So my nan wants to stop her warfarin because a youtuber said garlic thins blood. How do I talk her out of it?",
        "Be careful with 'wellness' accounts telling you to ditch your thyroid meds.",
        "My friend's doctor stopped her statin because of muscle pain and switched her to another one.",
        "Yes I take my SSRI. Yes I also go to therapy. Both helped. Stop shaming meds.",
        "Don't give adult medicine to children. Doses are weight-based, check with your pediatrician.",
        "Don't stop taking insulin. Ever. Type 1 diabetics die without it.",
        "Skipping insulin is dangerous. If you can't afford it, tell your care team today.",
        "THE MMR VACCINE DOES NOT CAUSE AUTISM. I WILL KEEP SAYING IT.",
        "Someone in our replies wrote \"chemo is poison\". It is strong medicine, and it saves lives.",
        "Sure, skip the chemo and eat kale, what could go wrong 🙄 (a lot. people die. please get treated.)",
        "Two children hospitalized after parents gave them chlorine dioxide to \"cure autism\", officials say.",
        "My dad: \"I don't need a flu shot, I never get sick.\" Him, 3 days later: sick. Get the shot, dad.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// Safe posts written against the fourth pass's structures (pronoun stop orders, harm claims,
/// vaccine refusal, delayed care, waved-away risks, stance hashtags, medicine misuse, DIY
/// injections): the same trigger words in warnings, clinicians' advice, news and personal
/// reports. None may be rejected on the rules alone.
#[test]
fn safe_posts_near_the_new_structures_are_never_rejected() {
    for text in [
        "Acetaminophen is toxic to the liver in overdose, so stick to the label.",
        "Statins can cause muscle aches in a few people; tell your doctor rather than stopping.",
        "My mom was told her statins caused her memory fog. Her neurologist found it was her thyroid.",
        "Does the flu shot give you the flu? No. It contains inactivated virus.",
        "The HPV vaccine does not cause infertility; large studies in Denmark checked.",
        "Antibiotics make diarrhea worse in some kids, so ask about probiotics.",
        "My son's inhaler makes him jittery, so his doctor changed the dose.",
        "Chemo made me sick for weeks, but it worked and I'm 5 years clear.",
        "Insulin causes weight gain for some people; your diabetes team can adjust your plan.",
        "Not vaxxing your kids leaves them open to measles. Please vaccinate.",
        "I didn't get the flu shot last year and ended up in hospital. Never again.",
        "We skipped the shot once and regretted it. Get the jab, folks.",
        "Some parents refuse the vitamin K shot at birth. Babies can bleed into the brain without it.",
        "Why do some parents refuse vaccines? Mostly fear, and fear is answered by talking.",
        "Chest pain? Don't wait. Call 911 and chew an aspirin if your doctor has said that's ok.",
        "Found a lump? Don't panic, but don't wait either. Book a GP appointment this week.",
        "A fever in a newborn is an emergency. Don't wait a few days, go to the ER.",
        "My baby had a fever and we waited a few hours, then the nurse line told us to come in. Glad we did.",
        "Stroke symptoms: face, arms, speech. Time to call 911. Don't wait it out.",
        "Raw milk carries listeria risk; pasteurized milk is the safe choice for kids.",
        "Is there any risk from the MMR? Mild fever sometimes. Serious risk is very rare.",
        "Salmonella is no myth: undercooked chicken sends thousands to hospital every year.",
        "Sunscreen does not cause skin cancer. UV does.",
        "Vitamin A in huge doses is toxic. The RDA is 900 mcg for men.",
        "If your child takes 3 ibuprofen by accident, call poison control.",
        "Never take 3 Xanax. If one isn't working, tell your psychiatrist.",
        "Injecting insulin at home is normal for type 1 diabetes; your nurse will show you how.",
        "Weight-loss drugs like semaglutide are prescribed for obesity; don't buy them online.",
        "People who took laxatives to lose weight ended up with kidney damage, the study found.",
        "Furosemide is a diuretic for heart failure and swelling, not a weight-loss pill.",
        "My grandma's chemo is working. Her tumour shrank by half in 3 months.",
        "Metformin and walking reversed my prediabetes, according to my last A1C.",
        "Quitting smoking is the best thing you can do for your lungs.",
        "My psychiatrist and I decided to taper my SSRI over 8 weeks. Going well.",
        "Don't stop your antidepressants cold turkey. Taper with your prescriber.",
        "#VaccinesWork #vaccinated Got my booster today!",
        "Heard \"vaccines cause autism\" at a party. Told them it was disproven decades ago.",
        "Skipping insulin to lose weight is dangerous and can kill. Please get help.",
        "The claim that fluoride causes cancer has been studied for decades; no link was found.",
        "Mammograms don't spread cancer. That's a myth.",
        "My asthma is so much better since I moved away from the city. Still using my preventer inhaler daily.",
        "Psoriasis flare cleared after my dermatologist started me on a biologic. Diet didn't do it, sadly.",
        "Hypertension runs in my family. Walking and less salt helped, and my lisinopril does the rest.",
        "Stroke survivor here. Physio 3x a week. Turmeric in my curry because I like it, not because it cures anything.",
        "Found a lump last year. Biopsy, surgery, radiation. Cancer free now. Get checked.",
        "Breast lumps are usually benign, but every new lump needs a doctor's look.",
        "Ginger tea settles my stomach. My kidney stones needed lithotripsy though.",
        "Honey and lemon for a sore throat is fine. For strep you need antibiotics.",
        "Blood thinners? Keep taking them. Bruising easily is normal on them; black stools are not.",
        "Meds off for the colonoscopy prep day, per my GP's instructions, then back on.",
        "My doctor took me off metformin because my A1C is normal now. We check again in 3 months.",
        "We switched him to a different inhaler because the first one gave him thrush. Doctor's call.",
        "Chemo? Radiation? Surgery? Ask your oncologist which one fits your cancer.",
        "Turmeric > nothing for flavour. Chemo > turmeric for cancer. Simple.",
        "#VaccineInjury compensation exists, and it is rare. The vaccines are still far safer than the diseases.",
        "Laxatives won't help you lose weight; what you lose is water.",
        "Don't inject anything at home unless your nurse trained you. Insulin pens are fine.",
        "Peptides sold as \"research chemicals\" are not tested for humans. Don't inject them.",
        "No risk at all? Nothing in medicine has no risk. Ask about the numbers.",
        "Side effects are real but rare. Read the leaflet.",
        "Measles is not a harmless rash. It killed 100,000 people last year.",
        "Pneumonia in older adults can look like confusion. Call the doctor.",
        "If your baby has a fever under 3 months, go straight to the ER. Do not wait.",
        "My toddler's fever broke after 2 days. Pediatrician said to watch for dehydration.",
        "A lump in your breast? Don't let fear stop you. Book the scan.",
        "Stopped my statin for 2 weeks on my doctor's advice to test the muscle aches. They stayed, so it wasn't the statin.",
        "HIV meds today mean an undetectable viral load and a normal lifespan. Take them every day.",
        "Coffee enemas are not a cancer treatment, and they can cause serious harm.",
        "Vitamin C cured scurvy in sailors. It does not cure cancer.",
        "Keto helped my epilepsy? No: my neurologist's ketogenic diet, alongside my meds, did. Supervised.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// Fifth pass: a reject needs the critical claim in the author's own voice and about a grave
/// subject. A claim mostly inside a quotation, reported as what someone told a third party, in
/// a post that refers the reader to a professional or carries a pro-care line, or hedged the
/// way a medium post is, is held; a comparison with treatment ("better than antidepressants")
/// rejects only about a serious disease, a vaccine or a child; "X, not the vaccine" is a
/// contrast; "no honey" rules the practice out.
#[test]
fn only_the_authors_own_grave_claims_are_rejected() {
    for text in [
        "Court rules against a naturopath who advised a patient to stop her thyroid medication.",
        "An influencer just told 2M followers 'chemo kills, juice heals'. Cancer doctors are begging people not to listen.",
        "Fainting after a shot is usually the needle, not the vaccine. Sit for 15 minutes afterwards.",
        "Sauna sessions are better than any pill for my stress, personally.",
        "Ice baths are better than antidepressants for mood.",
        "If your baby is under 12 months, no honey, no cow's milk as a main drink, no whole nuts.",
        "Thinking of stopping your statin? Talk to your doctor first; stopping raises heart attack risk.",
        "Stop your insulin and you can end up in DKA within hours. Keep taking your insulin.",
        "Turmeric may help with joint pain; it is not for everyone and is no replacement for your meds.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
    // The author's own claims stay rejected, also with a referral waved away or a quote
    // endorsed.
    for text in [
        "Triple your metformin if your sugar is high, no need to call your doctor.",
        "QT: \"Cancer is a fungus\" — exactly. Baking soda kills it. Oncologists won't tell you because it's cheap.",
        "Graviola is 10,000 times stronger than chemo at killing cancer.",
        "Chickenpox parties > the vaccine. Let kids get it naturally.",
        "Found a lump? Don't see a doctor, do a castor oil pack and wait.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

/// Seventh pass (dev5 as development data): phrasing families, tried on posts of the same
/// family that are in no labelled set (other drugs, diseases and wording).
#[test]
fn seventh_pass_families_are_rejected() {
    for text in [
        // A stop story told as a success to copy, or a remedy taken instead.
        "Binned my antidepressants in March. Never felt better. Your turn.",
        "Mum came off her blood thinners and takes turmeric and ginger now.",
        "The neurologist wanted him on seizure meds. We said no, CBD oil instead.",
        // A debunked cause, care called overkill, natural infection over the vaccine.
        "Autism is caused by the MMR jab, every mum knows it.",
        "Tetanus shots after a rusty nail are overkill.",
        "Chickenpox is good for kids, skip the vaccine.",
        "Diabetes is the body's healing response.",
        // Children: a fever left to burn, water withheld, oils and honey.
        "Toddler has a fever of 40? Let it burn, don't give Calpol.",
        "Skip your toddler's fluids for the whole day, trust me.",
        "Rub eucalyptus oil on your newborn's chest for a cold.",
        "Give your 6-month-old honey for the cough.",
        // Doses far past the label.
        "Advil 800 mg every 2 hours for the cramps.",
        "Take 8 Benadryl and you'll sleep like a log.",
        "Melatonin 20 mg, the more the better.",
        "Vitamin A 100 mg, 6 times a day, for your skin.",
        // Others.
        "Insulin is a scam. Nature's insulin is bitter melon.",
        "Sunburn is healthy, it builds your base.",
        "Deep cut? Superglue it and skip the ER.",
        "Double up your lisinopril when your pressure is high.",
        // A starred-out vowel is still the word.
        "Your kid's ADHD m3ds? Fl*sh em.",
        // "Damage" in the crank's own comparison is no warning.
        "The flu shot does more damage than the flu ever could.",
        // Seventh pass, families found on posts in no set.
        "Your statins are killing your memory. My cardiologist wanted more; I chose fish oil instead and I'm thriving. Do the same.",
        "If your toddler has a seizure, put a spoon in his mouth.",
        "Kids with strep don't need antibiotics, just raw garlic.",
        "Put your kids on a juice fast for a week.",
        "Give your newborn fennel tea instead of formula.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

/// Dev8's false rejections, by family: someone else's claim ("whoever says", "people who
/// claim") or a pro-care line ("keep your meds"); grams of a food nutrient (sugar, salt); a
/// practice ruled out ("is a hard no", "off-limits"); an effect denied ("doesn't treat
/// anything"); "don't" before spaced letters; an amount called abnormal ("isn't a normal
/// dose", "way too much"). The author's own claims in the same words stay rejected.
#[test]
fn answered_claims_are_never_rejected() {
    for text in [
        "Whoever says diabetes is reversible with cinnamon hasn't met my grandma, who tried it and ended up in the ICU with DKA. Keep your meds.",
        "Anyone who says cancer can be cured with turmeric has never sat in an oncology ward.",
        "Type 1 and thinking about stopping? Keep your insulin, always.",
        "Sugar in a 20 oz soda: about 65 g. The WHO suggests keeping added sugar under roughly 50 g a day for most adults.",
        "A can of cola has about 39 g of sugar; the limit for added sugars is around 30 g a day for kids.",
        "Honey for infants is a hard no. Infant botulism is rare but serious. Wait until after age 1.",
        "Raw milk for babies is off-limits, full stop.",
        "Urine therapy is circulating again. Drinking urine doesn't treat anything and puts back waste your kidneys worked to remove.",
        "Turpentine cleanses are trending. Swallowing turpentine doesn't cure anything and burns your gut.",
        "Vaccines don't c a u s e autism. Spread that instead.",
        "Statins don't c a u s e dementia.",
        "@gymbro_jay 50k IU of D daily isn't a normal dose, man. That's a prescription weekly dose for people who are deficient, with monitoring.",
        "@fitmom 20 mg of melatonin is way too much for a kid, ask the pediatrician for the real dose.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
    for text in [
        "Diabetes is reversible with cinnamon. Keep your sugar low and ditch the metformin.",
        "Take 50,000 IU of vitamin D daily, it's a normal dose.",
        "Give honey to your newborn for colic, it's totally safe.",
        "Drink a cup of your own urine every morning, it heals everything.",
        "Vaccines c a u s e autism.",
        "Take 100 g of vitamin C a day to melt tumors.",
        "Pls dont take ur HIV meds they are toxic. immune system heals itself w/ proper diet",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

#[test]
fn seventh_pass_neighbours_are_never_rejected() {
    for text in [
        "I stopped my statin with my doctor's help and my numbers are fine.",
        "I stopped my antidepressants cold turkey and felt amazing for a week, then crashed. Never do this.",
        "Antibiotics for a cold are overkill; ask your GP.",
        "Autism is not caused by vaccines.",
        "A fever in a baby under 3 months needs a doctor today.",
        "Cut your water intake for an hour before bed if you wake up to pee.",
        "Never give honey to babies under 12 months.",
        "Tylenol 1000 mg every 6 hours, max 3 g a day.",
        "sunscreen → LOWER skin c@ncer risk ☀️ reapply every 2 hrs at the beach",
        "More isn't better: 3 mg of melatonin is plenty for most people.",
        "There is no natural chemo.",
        "Sunburn is skin damage. Wear sunscreen.",
        "For a bad burn, cool it under running water and go to urgent care.",
        "Got my flu shot today, takes five minutes.",
        "Our son has been on insulin for a month and is doing great.",
        "Got a cold? Don't bother with antibiotics, they don't work on viruses.",
        "Babies can't have honey, wait until their first birthday.",
        "Kids shouldn't do a water fast, ever.",
        "Kids with colds don't need antibiotics, just rest and fluids.",
        "Chemo is brutal, but use the anti-nausea meds instead of toughing it out.",
        "If someone has a seizure, never put anything in their mouth.",
        "Eye infection? Don't bother with breast milk, get the antibiotic drops.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// Ninth pass (issue 11): families of critical posts — insulin skipped by time of day, adult
/// tablets handed to a child, a remedy tried before emergency services, vaccines said to kill
/// more than the disease.
#[test]
fn ninth_pass_families_are_rejected() {
    for text in [
        "Type 1s: try skipping your evening insulin for a week while you're keto.",
        "Skip your basal insulin on fasting days, your pancreas will catch up.",
        "No kids' Tylenol in the house? Just give your 6 year old one of your 500 mg tablets.",
        "Your toddler has a cough? Give him a couple of your pills, they work.",
        "Slurred speech? Rub peppermint oil on the temples before you even think about an ambulance.",
        "Vaccines kill more kids than measles ever did.",
        "The flu shots have killed more people than the flu ever did.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

#[test]
fn ninth_pass_neighbours_are_never_rejected() {
    for text in [
        "Never skip your evening insulin, even on a low-carb day.",
        "Skipping insulin can cause DKA within hours.",
        "Never give a child one of your adult tablets; ask the pharmacist for a children's dose.",
        "Before you call 911, make sure you know your address.",
        "Measles kills far more children than the vaccine ever could.",
        "Call 911 right away if your face droops on one side.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// Fifteenth pass (issue 11): a cautionary story tells the practice and then its harm ("was
/// poisoned", "ended up in the ICU", "it had spread", "eats skin", "becomes cyanide"), or the
/// real treatment taken in the end; and a claim put in the mouth of a movement ("terrain
/// theorists say") is reported. Neither is rejected on the rules alone.
#[test]
fn cautionary_stories_are_never_rejected() {
    for text in [
        "Someone told my mum that kerosene cures arthritis. She drank some and was poisoned.",
        "I believed the videos that said drinking MMS cures autism. My son was in the ER within hours.",
        "My aunt tried to cure her breast cancer with juice and coffee enemas. By the time she started chemo it had spread.",
        "I spent a year on herbs for my lymphoma. Then I did chemo. Two years in remission now.",
        "Drinking hydrogen peroxide won't cure cancer; it caused my friend's stomach to bleed.",
        "Apricot kernels are sold as a cancer cure. They contain amygdalin, which becomes cyanide.",
        "Dermatologist here: black salve (bloodroot) eats skin. If a mole is changing, get it looked at.",
        "I put black salve on a mole. It burned a crater into my nose and the melanoma kept growing.",
        "Grandma wanted to put honey on the baby's pacifier. We said no, under 1 year it can cause botulism.",
        "My neighbour gave her 3-month-old honey for a cough and the baby ended up in the ICU with botulism.",
        "Terrain theory says germs don't cause disease. Tell that to anyone who has had cholera.",
        "Quacks claim MMS cures autism. It's bleach.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
    // A remedy called a food, not a medicine, answers the claim it quotes.
    let text = "\"Diabetes can be reversed by cinnamon alone.\" Cinnamon is a spice, not insulin.";
    assert_eq!(decide(text), Decision::Pass, "{text}");
}

/// The cautionary wordings above do not excuse a crank's own story: a harm blamed on the
/// medicine, or a danger waved away, still rejects.
#[test]
fn crank_stories_near_the_cautionary_wordings_are_rejected() {
    for text in [
        "Chemo poisoned me. Turmeric and apricot kernels cured my cancer.",
        "Black salve eats the cancer right out of your skin. Ditch the dermatologist.",
        "Honey is fine for a 2-month-old's cough, the botulism thing is a myth.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

/// Irony marked the way posts on X mark it is held for a person, never rejected on the rules
/// alone; a crank's sarcasm about medicine, with markers cranks use as often, still rejects.
#[test]
fn ironic_posts_are_never_rejected() {
    for text in [
        "Sure, Karen, essential oils cure measles. And I'm the Queen of England.",
        "Love how \"do your own research\" always ends with someone drinking bleach.",
        "Yes, let's treat sepsis with positive vibes. What a time to be alive.",
        "Reminder that the same guy selling \"detox foot pads\" also says chemo is a scam. Totally unbiased.",
        "Wow, raw milk cures autism now? Incredible what you can learn from a man selling raw milk.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
    for text in [
        "Sure, keep poisoning yourself with Eliquis. Or try the garlic-ginger protocol and get your life back. Your call.",
        "HIV+ and undetectable? Great, you can stop your meds now, it won't come back.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

/// Stopping told in fewer words: a duration without the medicine and how well it went, "gave it
/// up", a prescription not refilled. A duration without a symptom, or a warning, is not one.
#[test]
fn stopping_told_in_few_words_is_rejected() {
    for text in [
        "Three weeks without Keppra and not a single seizure.",
        "Synthroid? Gave it up at Christmas. Ashwagandha and sea moss do the job now.",
        "Ran out of my sertraline and just didn't refill it. Feel amazing, zero need for it.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
    for text in [
        "Three weeks without a seizure since we started Keppra.",
        "3 days without insulin can put a type 1 in DKA.",
        "Two days without my inhaler on holiday and I ended up in A&E. Always pack a spare.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// Stopping told as an aftermath or an idiom, with the brand name and no "stop": the bin, "gone",
/// "X out, Y in", a break-up, a refill cancelled, a puffer no longer carried, a count of days
/// without it. A course finished ("last chemo was in March"), a medicine spoiled or a switch made
/// by the doctor is not one.
#[test]
fn stopping_told_as_an_aftermath_is_rejected() {
    for text in [
        "Tamoxifen's in the bin. Flaxseed and faith from here.",
        "Warfarin gone. Ginger and garlic do the same job.",
        "Sertraline out, saffron in. Week 5 and never better.",
        "Lamictal and I broke up last month. Clearest my head has been in years.",
        "My cardiologist can keep his Eliquis, I've got nattokinase.",
        "Rang the pharmacy and cancelled the Descovy refill. Undetectable, so why bother.",
        "Don't even carry a Symbicort anymore. Breathwork does it.",
        "90 days no Depakote and I feel like me again.",
        "Last Synthroid was in August, my thyroid just needed iodine.",
        "My brother-in-law chucked his Crestor after the bypass. Says he's never felt better.",
        "Cardiologist put me on bisoprolol after the MI. Haven't filled it once.",
        "My Seroquel went in the landfill where it belongs.",
        "Fired my neurologist and my Keppra in the same month.",
        "Off all my meds now: lithium, Abilify, the lot. Breathwork instead.",
        "The Xarelto ran out in June and I never replaced it.",
        "Not renewing my Synthroid script, kelp does the job.",
        "Cancelled my remaining chemo sessions. Going the Gerson route instead.",
        "Haven't been back to the HIV clinic since spring. My body's got this.",
        "Gave up the Lamictal at Easter, lion's mane is enough.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
    for text in [
        "Last chemo was in March and my scans are clear.",
        "My insulin's gone warm in the heat, is it still OK to use?",
        "The cardiologist swapped my Crestor for Lipitor and my numbers are better.",
        "Radiotherapy done! Thank you to the whole team at the Royal Marsden.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// A clinician telling what patients did, or a story that goes on to the harm and ends in a
/// warning or a referral, is never rejected: the claim is the one the post warns about.
#[test]
fn witnessed_and_harmed_stories_are_never_rejected() {
    for text in [
        "Pharmacist here. Patients sometimes tell me they stopped their warfarin after a video. Please talk to us first.",
        "We still see babies who were given honey for a cough. Under one, no honey, ever.",
        "Someone came in after drinking turpentine for worms. Two weeks on a ventilator.",
        "My uncle stopped his insulin for a juice cleanse. He ended up in ICU with DKA. Talk to your diabetes team.",
        "Tried a dry fast for 5 days. Collapsed at work. Don't copy me.",
        "We skipped his MMR and he got measles at two. Eight days in hospital. Vaccinate.",
        "She put black salve on a mole and it ate half her nose. It was a melanoma.",
        "We waited at home thinking it would pass. It was a stroke. Call 999.",
        "Took 10 paracetamol in a day once without realising both cold remedies had it. Liver tests were scary. Read labels.",
        "He thought garlic would cure his HIV. He stopped his ARVs. He died at 34. Take your meds.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// A yes/no question about a claim, or a claim a friend or an influencer made, is asked or
/// reported: never rejected. A question the post answers itself is the claim.
#[test]
fn asked_and_reported_claims_are_never_rejected() {
    for text in [
        "Is it safe to stop Keppra if I've had no seizures for a year?",
        "Does black salve actually work on skin cancer? Someone at the market is selling it.",
        "My mate says HIV meds are optional once you're undetectable. That's not right, is it?",
        "A wellness influencer says germs aren't real. I'm going to wash my hands twice as long.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
    // A question dressed as a claim is still held.
    for text in [
        "Did you know you can stop your insulin once you go keto?",
        "Isn't it funny how chemo kills more people than cancer?",
    ] {
        assert_ne!(decide(text), Decision::Pass, "{text}");
    }
    assert_eq!(
        decide(
            "Should you stay on Keppra forever? Nope. I binned my Keppra in May and I'm seizure-free."
        ),
        Decision::Reject
    );
}

/// Alarm signs waited out in everyday words: a thunderclap headache slept on, blood vomited
/// and "no GP", a wound gone red and hot with a fever "see if it's better tomorrow".
#[test]
fn alarm_signs_waited_out_are_rejected() {
    for text in [
        "Sudden thunderclap headache, worst ever. Lying in a dark room with ibuprofen.",
        "Threw up some blood after dinner. Gonna lie low tonight, no GP.",
        "Cut on my hand has gone red and hot and I'm shivering. Will see if it's better tomorrow.",
        "Mum's face went lopsided at tea and her speech is slurred. We'll see how she is in the morning.",
        "Feels like an elephant is sitting on my chest and my left arm aches. Probably the kebab. Bed.",
        "Newborn's gone yellow on day 3. No need for the heel prick or the lights, sunlight fixes it.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
    assert_ne!(
        decide("Threw up some blood after dinner, so we went straight to A&E. Ulcer, treated."),
        Decision::Reject
    );
}

/// Eighteenth pass: permission to stop, a calming "don't panic" before the delay, a swallowed
/// battery waited out, days of fasting on diabetes tablets, a motive's "risk", a promise to be
/// off the medicine by a date, the adrenaline pen no longer carried.
#[test]
fn eighteenth_pass_families_are_rejected() {
    for text in [
        "Feeling better after 2 months of TB drugs? You can stop. The rest is the hospital milking you.",
        "Q: 'Seizure-free for two years, can I come off lamotrigine?' A: yes, just stop.",
        "Baby running a fever at 5 weeks? Don't panic and don't rush to A&E, give it a day.",
        "Toddler swallowed a button battery? Feed her bread and let it pass naturally.",
        "Five-day water fast for my type 2 diabetes, still taking my gliclazide. Shaky but that's detox.",
        "Quit my rivaroxaban after reading about the bleeding risk. Garlic and ginger instead.",
        "Off ALL your blood pressure meds in 8 weeks with my protocol, guaranteed.",
        "We don't carry an EpiPen for his peanut allergy anymore, homeopathy has it covered.",
        "Vit D 5Ok IU every day, all winter. You can't OD on sunshine.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

#[test]
fn eighteenth_pass_neighbours_are_never_rejected() {
    for text in [
        "Finished all six months of TB treatment and the clinic says I can stop now. Cured, thanks to the nurses.",
        "A pastor told them to swap his HIV drugs for herbs. We talked for half an hour. He's still on his ARVs.",
        "Can't wait for someone to tell me sungazing will fix my eyes. (Do not stare at the sun. Ever.)",
        "Mum kept 'forgetting' her thyroid tablet. Blister packs and a phone alarm fixed it.",
        "Walk daily, eat plants and you may not need blood pressure pills in your old age.",
        "In the 1970s Linus Pauling took 18 g of vitamin C a day. Trials since found no benefit for colds.",
        "Is a 5-day water fast safe with type 2 diabetes? Not without your diabetes team: hypos are a real risk.",
        "Got off my blood pressure meds in 6 months with my GP after losing 20 kg; we tapered slowly and I check weekly.",
        "Quick math: 10 Tylenol extra strength = 5,000 mg. That's past the 4,000 mg daily max. Read labels.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// Stopping told with its ending: restarted, on sick-day rules, a taper the specialist
/// planned, a pen dropped in the toilet, a question answered "No."
#[test]
fn eighteenth_pass_stop_stories_with_their_ending_are_never_rejected() {
    for text in [
        "Stopped my metformin during the stomach bug on sick-day rules, restarted 48 hours later.",
        "Quit my levothyroxine? No. Forgot it for 3 days on holiday and felt rough. Set an alarm.",
        "Came off prednisolone after a 6-week taper planned by my rheumatologist. All good now.",
        "Dropped my insulin pen in the toilet 😭 new one from the pharmacy, crisis averted.",
        "Dad refused chemo in 2019. The tumour came back hard. I'm posting it so you don't do the same.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// The nineteenth pass: stopping told by its traces (the last refill, none since, pills
/// hidden, a child taken off it, the doctor told it's over), a yes to "can I come off", a
/// dose skipped tonight, a surgery cancelled for a remedy, "no taper needed", a grave promise
/// by a date, a worst headache slept on, and "=" for "is" in germ-theory denial.
#[test]
fn nineteenth_pass_families_are_rejected() {
    for text in [
        "My last Xarelto refill was in February. Nattokinase does the same job, no bleeding risk.",
        "No lamotrigine since August and I've never felt clearer. CBD all the way.",
        "Grandad's been hiding his bisoprolol under the mattress for weeks. Honestly good for him.",
        "Epilim made our daughter sluggish so we took our daughter off it. Chamomile and magnesium now.",
        "On Eliquis? Turmeric does the same thing. Tell your GP you're done.",
        "Q: Can I come off my lithium now I feel stable? A: Absolutely. Just stop.",
        "Your Zoloft is numbing you. Skip tonight's dose and see how alive you feel.",
        "Mastectomy was booked for Friday. Cancelled it. Apricot kernels and Gerson juicing instead.",
        "Swap your Lexapro for saffron today, no taper needed.",
        "Most of our type 1 kids are off insulin within 3 months on the programme.",
        "Worst headache of your life? Drink water and sleep on it before you bother the ER.",
        "germ theory = lie. Your terrain is all that matters.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

#[test]
fn nineteenth_pass_neighbours_are_never_rejected() {
    for text in [
        "If you've taken more than 4 g of paracetamol in 24 hours, go to A&E now, even if you feel fine.",
        "Iron infusion today: 1000 mg ferric carboxymaltose over 15 minutes, ordered by haematology.",
        "Mum's GP did a deprescribing review and stopped two of her tablets. 9 pills a day down to 7.",
        "Yes Karen, structured water will definitely cure stage 4 cancer. The oncologist has actual treatments.",
        "Stopped my venlafaxine cold turkey. The withdrawal was brutal. Taper with your GP, don't copy me.",
        "Stopped my bisoprolol on my own; two days later I was in A&E with a racing heart. Ask first.",
        "My last Eliquis refill was on Monday, so the next is due in four weeks.",
        "Hide your digoxin from the grandkids: lock it away.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}

/// The twentieth pass's families, in wordings not taken from dev35: a dose spaced out or halved,
/// "live without it", leave to stop answered or given ("just don't refill", "without telling
/// your GP"), a dialysis session skipped, a thread whose medicine is named lines before it is
/// dropped, a refusal of a new diagnosis's treatment, a parent's tablet cut for a toddler,
/// "shedding", and an emergency ridden out.
#[test]
fn twentieth_pass_families_are_rejected() {
    for text in [
        "Honestly I space out my apixaban to alternate days now. Same protection, fewer bruises.",
        "You could probably live without your lithium by now, you've been stable for ages.",
        "Q: on Keppra since my first seizure, the fog is awful, any advice?\nA: honestly just stop it. The fog lifts in a week.",
        "Tacrolimus after the transplant? Two years is plenty. When this box runs out, just don't refill.",
        "Here's how to come off sertraline without telling your GP: halve it for a week, then done.",
        "Dialysis wipes me out so I'm skipping one dialysis session a week now. Salt-free diet covers it.",
        "Diagnosed with breast cancer on Monday. Refusing it all and going natural with juicing.",
        "My neuro wants me on lamotrigine but nah, not happening. CBD it is.",
        "1/ Dad was prescribed clopidogrel after his stent.\n2/ The bruising got him down.\n3/ So we took him off it in June and he's on fish oil.",
        "Out of Calpol? Cut one of your 200 mg ibuprofen tablets in half for the toddler.",
        "Stay away from the recently jabbed, shedding causes miscarriages.",
        "DKA signs, vomiting and fruity breath? Ride it out with salty water at home.",
    ] {
        assert_eq!(decide(text), Decision::Reject, "{text}");
    }
}

#[test]
fn twentieth_pass_neighbours_are_never_rejected() {
    for text in [
        "My GP halved my ramipril because my blood pressure dropped too low. Review in a month.",
        "Never space out your warfarin to make the box last: your clinic can help with costs.",
        "Q: can I stop my Keppra before my driving test?\nA: Talk to your neurologist first; stopping suddenly can trigger seizures.",
        "You can't live without insulin if you have type 1. Please don't listen to the keto crowd.",
        "My endo wants me on insulin. Scared, but starting on Monday with the nurse.",
        "Vaccine shedding is a myth: mRNA vaccines contain no live virus.",
        "Never let a stranger online talk you into stopping your ARVs.",
        "Kidney infection: finish the antibiotics, then cranberry juice if you like it; it won't hurt.",
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}
