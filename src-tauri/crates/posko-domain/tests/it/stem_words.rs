//! The stemmer on a hand-made word list with the roots KBBI gives
//! (tests/data/kata-uji.tsv): prints the share it gets right and fails under
//! 95 %. Misses are printed so that a dictionary or rule change can be judged.

use posko_domain::stem::stem;

#[test]
fn stemmer_finds_the_expected_roots() {
    let list = include_str!("../data/kata-uji.tsv");
    let mut total = 0;
    let mut misses = Vec::new();
    for line in list.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, root) = line.split_once('\t').expect("word<TAB>root");
        total += 1;
        let got = stem(word);
        if got != root {
            misses.push(format!("{word} → {got} (expected {root})"));
        }
    }
    assert!(
        total >= 200,
        "the list must hold at least 200 words: {total}"
    );
    let correct = total - misses.len();
    let share = correct as f64 * 100.0 / total as f64;
    println!(
        "stemmer: {correct}/{total} words correct ({share:.1} %); misses: {}",
        if misses.is_empty() {
            "none".to_owned()
        } else {
            misses.join(", ")
        }
    );
    assert!(share >= 95.0, "{share:.1} % < 95 %: {misses:?}");
}
