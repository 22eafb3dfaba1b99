//! The demo dataset's words: a small phrasebook per topic and templates per hook type, so that
//! demo posts read like the health content xBOT writes (and exercise emoji and long threads).

use crate::learning::rng::Rng;

/// What the demo knows about a topic: how to name it, a fact, a tip.
pub struct TopicPhrases {
    pub key: &'static str,
    pub name: &'static str,
    pub fact: &'static str,
    pub tip: &'static str,
}

pub const PHRASES: [TopicPhrases; 25] = [
    TopicPhrases {
        key: "sleep",
        name: "sleep",
        fact: "a consistent wake time does more for sleep quality than an early bedtime",
        tip: "keep your wake-up time within 30 minutes, weekends included",
    },
    TopicPhrases {
        key: "gut_health",
        name: "gut health",
        fact: "people who eat 30 different plants a week tend to have a more diverse microbiome",
        tip: "add one new vegetable, herb or legume to your basket each week",
    },
    TopicPhrases {
        key: "strength_training",
        name: "strength training",
        fact: "two short full-body sessions a week are associated with lower all-cause mortality",
        tip: "start with squats, push-ups and rows, twice a week",
    },
    TopicPhrases {
        key: "zone2_cardio",
        name: "zone 2 cardio",
        fact: "easy cardio where you can still hold a conversation builds your aerobic base",
        tip: "try 30 minutes of brisk walking or cycling at a pace where you can still talk",
    },
    TopicPhrases {
        key: "protein",
        name: "protein",
        fact: "spreading protein across meals seems to support muscle better than one big serving",
        tip: "build breakfast around a protein source",
    },
    TopicPhrases {
        key: "creatine",
        name: "creatine",
        fact: "creatine is one of the most studied supplements in sports nutrition",
        tip: "ask a professional whether it fits your goals before you start",
    },
    TopicPhrases {
        key: "fasting",
        name: "fasting",
        fact: "most benefits seen in time-restricted eating studies track with eating less overall",
        tip: "if you try it, keep protein and fibre high in your eating window",
    },
    TopicPhrases {
        key: "blood_sugar",
        name: "blood sugar",
        fact: "a 10-minute walk after a meal can blunt the glucose spike",
        tip: "take a short walk after your largest meal",
    },
    TopicPhrases {
        key: "vitamin_d",
        name: "vitamin D",
        fact: "vitamin D status varies a lot with latitude, season and skin tone",
        tip: "ask your doctor about testing before you supplement",
    },
    TopicPhrases {
        key: "magnesium",
        name: "magnesium",
        fact: "leafy greens, nuts, seeds and beans are good sources of magnesium",
        tip: "add a handful of pumpkin seeds to a meal",
    },
    TopicPhrases {
        key: "stress",
        name: "stress",
        fact: "slow breathing with a long exhale can calm the nervous system within minutes",
        tip: "try five breaths with a six-second exhale",
    },
    TopicPhrases {
        key: "sunlight",
        name: "morning light",
        fact: "light early in the day helps anchor your circadian rhythm",
        tip: "get outside for 10 minutes within an hour of waking",
    },
    TopicPhrases {
        key: "hydration",
        name: "hydration",
        fact: "thirst is a reasonable guide for most healthy adults",
        tip: "keep water where you can see it",
    },
    TopicPhrases {
        key: "longevity",
        name: "longevity",
        fact: "fitness, sleep and social connection keep showing up in longevity research",
        tip: "pick one habit and make it boringly consistent",
    },
    TopicPhrases {
        key: "heart_health",
        name: "heart health",
        fact: "blood pressure is one of the most important numbers you can know",
        tip: "check your blood pressure at home a few times a year",
    },
    TopicPhrases {
        key: "mental_health",
        name: "mental health",
        fact: "regular movement is associated with better mood in many studies",
        tip: "schedule a walk with a friend this week",
    },
    TopicPhrases {
        key: "alcohol",
        name: "alcohol",
        fact: "even moderate drinking tends to fragment sleep",
        tip: "try an alcohol-free week and notice your sleep",
    },
    TopicPhrases {
        key: "caffeine",
        name: "caffeine",
        fact: "caffeine has a half-life of roughly five hours in most adults",
        tip: "move your last coffee before 2 p.m.",
    },
    TopicPhrases {
        key: "posture",
        name: "posture",
        fact: "the best posture is usually your next one: movement beats a perfect position",
        tip: "stand up and move every 45 minutes",
    },
    TopicPhrases {
        key: "mobility",
        name: "mobility",
        fact: "mobility improves with regular practice through the full range of motion",
        tip: "spend five minutes on hips and shoulders after work",
    },
    TopicPhrases {
        key: "ultra_processed_food",
        name: "ultra-processed food",
        fact: "ultra-processed foods are easy to overeat because they are engineered to be",
        tip: "cook one more meal from scratch each week",
    },
    TopicPhrases {
        key: "fiber",
        name: "fibre",
        fact: "most adults eat far less fibre than guidelines suggest",
        tip: "swap white bread for whole grain and add beans to one meal",
    },
    TopicPhrases {
        key: "omega3",
        name: "omega-3",
        fact: "oily fish twice a week is the simplest way most people get omega-3",
        tip: "try sardines or salmon this week",
    },
    TopicPhrases {
        key: "walking",
        name: "walking",
        fact: "benefits of daily steps keep rising well before the famous 10,000",
        tip: "add a 10-minute walk after lunch",
    },
    TopicPhrases {
        key: "cold_exposure",
        name: "cold exposure",
        fact: "evidence for cold plunges is still early and mixed",
        tip: "if you try it, start with a cool shower, not an ice bath",
    },
];

pub fn phrases(topic: &str) -> &'static TopicPhrases {
    PHRASES
        .iter()
        .find(|p| p.key == topic)
        .unwrap_or(&PHRASES[0])
}

const EMOJI: [&str; 8] = ["💪", "🧠", "😴", "🥦", "🚶", "☀️", "❤️", "🔬"];

/// A single post for a hook type and topic, under 280 characters.
pub fn single(rng: &mut Rng, hook: &str, topic: &str) -> String {
    let p = phrases(topic);
    let mut text = match hook {
        "question" => format!(
            "What if {} was simpler than you think? One finding: {}.",
            p.name, p.fact
        ),
        "statistic" => format!("Most adults get {} wrong. The data: {}.", p.name, p.fact),
        "contrarian" => format!(
            "Unpopular opinion: {} advice is overcomplicated. What matters: {}.",
            p.name, p.fact
        ),
        "framework" => format!(
            "A 3-step approach to {}: 1) measure where you are 2) {} 3) review in two weeks.",
            p.name, p.tip
        ),
        "practical" => format!("Try this today for better {}: {}.", p.name, p.tip),
        "story" => format!(
            "A reader changed one thing about their {}: {}. Two months later they felt the difference.",
            p.name, p.tip
        ),
        "reveal" => format!("The part of {} nobody talks about: {}.", p.name, p.fact),
        _ => format!("{}: {}.", capitalise(p.name), p.fact),
    };
    // Some posts carry emoji, as real ones do.
    if rng.chance(0.15) {
        let e = rng.pick(&EMOJI).copied().unwrap_or("💪");
        text = format!("{e} {text}");
    }
    text
}

/// A thread: 3–5 parts usually, sometimes a long one of 8–12.
pub fn thread(rng: &mut Rng, hook: &str, topic: &str) -> Vec<String> {
    let p = phrases(topic);
    let parts = if rng.chance(0.12) {
        8 + rng.below(5)
    } else {
        3 + rng.below(3)
    };
    let mut out = Vec::with_capacity(parts);
    out.push(format!("🧵 {}", single(rng, hook, topic)));
    for i in 1..parts {
        let body = match i % 4 {
            1 => format!("Why it matters: {}.", p.fact),
            2 => format!("What to do: {}.", p.tip),
            3 => format!(
                "Common mistake: treating {} as all-or-nothing. Small, repeatable steps win.",
                p.name
            ),
            _ => format!(
                "The evidence on {} keeps evolving; studies suggest starting small and staying consistent.",
                p.name
            ),
        };
        out.push(format!("{}/{} {body}", i + 1, parts));
    }
    out
}

/// A reply to an account's tweet.
pub fn reply(rng: &mut Rng, username: &str, topic: &str) -> String {
    let p = phrases(topic);
    match rng.below(3) {
        0 => format!("@{username} Great point. Worth adding that {}.", p.fact),
        1 => format!(
            "@{username} Agree — and a simple place to start: {}.",
            p.tip
        ),
        _ => format!("@{username} Interesting! Studies suggest {}.", p.fact),
    }
}

/// A tweet by an account that xBOT might reply to.
pub fn opportunity(rng: &mut Rng, topic: &str) -> String {
    let p = phrases(topic);
    match rng.below(3) {
        0 => format!("Hot take: everyone overthinks {}.", p.name),
        1 => format!(
            "What's the one {} habit that actually changed things for you?",
            p.name
        ),
        _ => format!("New paper out on {} today. Thread below.", p.name),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

const FIRST: [&str; 30] = [
    "maya", "liam", "ana", "noah", "sofia", "omar", "lena", "raj", "emma", "kenji", "zoe", "ivan",
    "nina", "tariq", "julia", "chen", "marta", "david", "aisha", "felix", "hana", "lucas", "priya",
    "tom", "ines", "sam", "elif", "yusuf", "clara", "mateo",
];
const STYLE: [&str; 12] = [
    "dr_{}",
    "{}_health",
    "{}fit",
    "coach{}",
    "{}_md",
    "{}nutrition",
    "{}_sleeps",
    "the{}lab",
    "{}_rd",
    "{}moves",
    "{}.science",
    "{}_pt",
];

/// A plausible handle for account `i`, unique per index.
pub fn username(i: usize) -> String {
    let first = FIRST[i % FIRST.len()];
    let style = STYLE[(i / FIRST.len()) % STYLE.len()];
    let base = style.replace("{}", first).replace('.', "_");
    let round = i / (FIRST.len() * STYLE.len());
    if round == 0 {
        base
    } else {
        format!("{base}{round}")
    }
}

/// A display name for account `i`.
pub fn display_name(i: usize) -> String {
    let first = capitalise(FIRST[i % FIRST.len()]);
    match (i / FIRST.len()) % 4 {
        0 => format!("Dr. {first}"),
        1 => format!("{first} | Health Coach"),
        2 => format!("{first} 🏃"),
        _ => first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_has_phrases_and_singles_fit_in_a_tweet() {
        let mut rng = Rng::new(7);
        for topic in crate::learning::vocab::TOPICS {
            assert_eq!(phrases(topic).key, topic);
            for hook in crate::learning::vocab::HOOK_TYPES {
                let text = single(&mut rng, hook, topic);
                assert!(text.chars().count() <= 280, "{text}");
            }
        }
    }

    #[test]
    fn usernames_are_unique() {
        let names: std::collections::HashSet<String> = (0..400).map(username).collect();
        assert_eq!(names.len(), 400);
    }
}
