"""Letters that tell apart languages sharing one script.

langdetect's n-gram normaliser folds some of the most telling letters together (Persian
yeh into Arabic yeh, simplified and traditional Chinese characters into shared classes),
and a two-word report gives its statistics little to go on. A letter that a language's
orthography does not use is strong evidence against it whatever the text's length: an
Urdu ے rules out Arabic and Persian, a Ukrainian ї rules out Russian, 們 rules out
simplified Chinese, a Pashto ړ or ښ rules out Persian, a Sorani ێ or ڵ rules out both.
These tables are orthography, not vocabulary: they learn no phrase.

Romanised candidates (`hi-Latn`…) are typed on an English keyboard: any accented letter
counts against them (pinyin tone marks excepted). Amharic and Tigrinya share the Ethiopic
syllabary; Tigrinya alone uses the ቐ and ኸ rows, and each leans on a few syllables the
other seldom writes (`SYLLABLE_LEANINGS`).
"""

from __future__ import annotations

from functools import cache

from translation.languages import ROMANISED_FROM

_ASCII = "abcdefghijklmnopqrstuvwxyz"
# Every Ethiopic syllable but the Tigrinya-only ቐ rows (U+1250–U+125D).
_ETHIOPIC_SHARED = "".join(
    chr(code) for code in range(0x1200, 0x1380) if not 0x1250 <= code <= 0x125D
)
_ARABIC_CORE = "ءآأؤإئابتثجحخدذرزسشصضطظعغفقلمنهوة"

# Alphabets of languages that share a script, lower case. A letter of the same group
# that is missing from a language's alphabet counts against that language.
_ALPHABET_GROUPS: dict[str, dict[str, str]] = {
    "Arabic": {
        "ar": _ARABIC_CORE + "كيى",
        "fa": _ARABIC_CORE + "پچژکگی",
        "ur": _ARABIC_CORE + "پچژکگیٹڈڑںےۓہھۃ",
        "ps": _ARABIC_CORE + "پچژکگیيټډړږښګڼېۍځڅ",
        # Sorani Kurdish: no emphatic Arabic letters, no ta marbuta; ە ێ ۆ ڵ ڕ ڤ its own.
        "ku": "ئابپتجچحخدرڕزژسشعغفڤقکگلڵمنهھەوۆیێ",
    },
    "Latin": {
        language: _ASCII + extra
        for language, extra in {
            "en": "",
            "es": "áéíóúüñ",
            "pt": "áâãàçéêíóôõúü",
            "fr": "àâæçéèêëîïôœùûüÿ",
            "de": "äöüß",
            "it": "àèéìíîòóùú",
            "nl": "áéèëïóöüú",
            "ro": "ăâîșțşţ",
            "pl": "ąćęłńóśźż",
            "tr": "çğıöşüâîû",
            "id": "é",
            "tl": "ñ",
            "sw": "",
            "so": "",
            "vi": "àáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
            "sq": "çë",
            "ms": "",
            "om": "",
            **{f"{language}-Latn": "" for language in ROMANISED_FROM if language != "zh"},
            "zh-Latn": "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü",
        }.items()
    },
    "Ethiopic": {
        # Amharic never writes the Tigrinya rows ቐ (qʰ) and its labialised forms.
        "am": _ETHIOPIC_SHARED,
        "ti": _ETHIOPIC_SHARED + "ቐቑቒቓቔቕቖቘቚቛቜቝ",
    },
    "Cyrillic": {
        "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
        "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
        "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    },
}

# Frequent characters written differently in simplified and traditional Chinese, as
# (simplified, traditional) pairs; everyday words of reports (money, passport, car,
# help, door, police…) are among them.
_HAN_PAIRS = (
    "们們 这這 个個 来來 说說 时時 会會 国國 对對 过過 还還 没沒 为為 开開 关關 车車 钱錢 "
    "给給 门門 问問 间間 见見 现現 让讓 请請 谁誰 话話 认認 识識 东東 长長 马馬 书書 买買 "
    "卖賣 员員 动動 办辦 发發 头頭 边邊 里裡 后後 从從 乐樂 报報 场場 处處 岁歲 万萬 与與 "
    "业業 两兩 严嚴 举舉 么麼 义義 习習 乡鄉 亲親 专專 电電 机機 网網 爱愛 变變 传傳 伤傷 "
    "体體 儿兒 几幾 则則 刚剛 医醫 华華 单單 厂廠 历歷 压壓 县縣 双雙 号號 吗嗎 听聽 团團 "
    "园園 图圖 坏壞 声聲 备備 妈媽 学學 实實 将將 层層 带帶 帮幫 广廣 应應 张張 当當 总總 "
    "战戰 护護 担擔 换換 无無 旧舊 显顯 条條 杀殺 极極 样樣 楼樓 欢歡 气氣 汉漢 热熱 产產 "
    "画畫 离離 种種 红紅 级級 线線 组組 结結 经經 继繼 续續 联聯 脑腦 药藥 节節 观觀 视視 "
    "计計 记記 讲講 证證 试試 语語 读讀 调調 谢謝 货貨 资資 轻輕 运運 进進 远遠 连連 选選 "
    "铁鐵 银銀 错錯 闭閉 队隊 险險 难難 须須 领領 饭飯 馆館 骗騙 鸡雞 龙龍 签簽 锁鎖 劳勞 "
    "务務 债債 赔賠 赚賺 邻鄰 紧緊 饿餓 脸臉 辆輛 载載 飞飛 装裝 迁遷 狱獄 罚罰 吓嚇 "
    "逼逼 伙夥 厅廳 丢丟 孙孫 奖獎 钟鐘 顾顧 庄莊 乱亂 杂雜 骂罵 惊驚 愿願 导導 边邊"
)


@cache
def _han_sets() -> tuple[frozenset[str], frozenset[str]]:
    pairs = [pair for pair in _HAN_PAIRS.split() if pair[0] != pair[1]]
    return frozenset(p[0] for p in pairs), frozenset(p[1] for p in pairs)


@cache
def _foreign_letters(language: str) -> frozenset[str]:
    """Letters that count against `language`: same-group letters missing from its
    alphabet, or the other Chinese standard's distinct characters."""
    simplified, traditional = _han_sets()
    if language == "zh-cn":
        return traditional
    if language == "zh-tw":
        return simplified
    for group in _ALPHABET_GROUPS.values():
        if language in group:
            known = set("".join(group.values()))
            return frozenset(known - set(group[language]))
    return frozenset()


# Penalty (natural log) per foreign letter, capped per text so that one stray letter from
# another keyboard layout cannot outweigh a whole sentence.
FOREIGN_LETTER_PENALTY = 3.0
FOREIGN_LETTER_CAP = 4


def alphabet_penalties(text: str, languages: list[str]) -> dict[str, float]:
    """Log-penalty per language for letters its orthography does not use (0 if none)."""
    lowered = text.lower()
    penalties: dict[str, float] = {}
    for language in languages:
        foreign = _foreign_letters(language)
        if not foreign:
            continue
        count = sum(1 for char in lowered if char in foreign)
        penalties[language] = -FOREIGN_LETTER_PENALTY * min(count, FOREIGN_LETTER_CAP)
    return penalties


# Syllables one of Amharic and Tigrinya writes far more often than the other, with the
# log-odds each occurrence adds: Tigrinya spells a word-initial "a" ኣ where Amharic spells
# አ, writes the ኸ row and ሓ/ሕ often; Amharic ends verbs in -ኝ (me) and plurals in -ች.
SYLLABLE_LEANINGS: dict[str, dict[str, float]] = {
    "ti": {**dict.fromkeys("ኣኸኹኺኻኼኽኾ", 1.5), **dict.fromkeys("ሓሕ", 1.0)},
    "am": {**dict.fromkeys("ኝኛኞ", 1.5), **dict.fromkeys("ችቸቻ", 1.0), "አ": 0.5},
}
# Word endings: Tigrinya marks "my" and "me" with -ይ and -ኒ (ስልከይ, ሓግዙኒ), Amharic
# with -ዬ/-ኤ and -ኝ (ስልኬ, እርዱኝ).
FINAL_LEANINGS: dict[str, dict[str, float]] = {
    "ti": {"ይ": 1.0, "ኒ": 1.0},
    "am": {"ዬ": 1.0, "ኤ": 1.0, "ኝ": 0.5},
}
SYLLABLE_LEANING_CAP = 6.0


def syllable_leanings(text: str, languages: list[str]) -> dict[str, float]:
    """Log-odds per language from syllables and word endings it favours (capped, so that
    spelling habits never outweigh the words)."""
    finals = [word[-1] for word in text.split() if word]
    found: dict[str, float] = {}
    for language in languages:
        weights = SYLLABLE_LEANINGS.get(language)
        if weights:
            total = sum(weights.get(char, 0.0) for char in text)
            ends = FINAL_LEANINGS.get(language, {})
            total += sum(ends.get(char, 0.0) for char in finals)
            found[language] = min(total, SYLLABLE_LEANING_CAP)
    return found
