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
    ] {
        assert_ne!(decide(text), Decision::Reject, "{text}");
    }
}
