"""Very common words of the team's languages, as evidence that works on two-word texts.

langdetect's character n-grams need a sentence to be sure; a report is often one or two
words ("ayuda", "msaada", "tolong saya"), and on so little text the n-gram statistics of
an unrelated language can win (Somali for "ayuda"). A whole word that belongs to a
language's everyday vocabulary is far stronger evidence than its letters.

Each list is the same two things for every language, written once from a dictionary, not
from the labelled reports: (1) its most frequent function words (pronouns, articles,
prepositions, negation, yes/no, hello, "please"), and (2) one fixed list of concepts
that help and trafficking reports are made of: help / save us, police, passport,
documents, work, money, pay, debt, boss, girl(s), boy, children, house, room, locked,
leave, go home, hit, afraid, phone, day, night, hours, family. Catalan is listed too,
although the team does not expect it, because it is the usual impostor for Spanish.
Malay, Pashto, Tigrinya, Amharic, Sorani Kurdish, Oromo and Albanian have lists written
the same way: for the first three, words are what tells them from Indonesian, Persian and
Amharic, whose letters and n-grams they share.
Only a few inflections are listed; the n-gram model still does the rest. Lists are lower
case; matching also tries the word without its accents, as people in a hurry often type
without them.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from translation.scripts import script_of

_WORDS: dict[str, str] = {
    "en": """
        yes hello hi
        i me my we us our you he she her they them their it is are was am be not no
        don't dont can't cant won't and or but the a an of to in on at for with from
        this that there here please help save police passport passports documents papers
        work working job money pay paid debt owe boss girl girls boy boys children kids
        house room locked leave home hit beat afraid scared phone day night hours family
        need want go get give take took keep every all any very much many come call
        """,
    "es": """
        sí si hola
        yo me mi mis nosotros nos nuestro tú te él ella ellos ellas les su sus es son
        está están estoy no y o pero el la los las un una de del a en con por para que
        aquí allí favor ayuda ayúdame ayúdenme ayudenos ayúdanos auxilio socorro policía
        pasaporte pasaportes documentos papeles trabajo trabajar trabajamos dinero pagan
        pago deuda debemos patrón jefe niña niñas chica chicas muchacha muchachas niño
        niños casa cuarto encerrados encerradas encerrada salir dejan casa golpean pegan
        miedo teléfono celular día noche horas familia tengo tienen hay
        """,
    "pt": """
        sim olá oi
        eu me meu minha nós nos nosso nossa você ele ela eles elas seu sua é são está
        estou não e ou mas o a os as um uma de do da dos das em no na nos nas com por
        pra para que aqui ali favor ajuda ajudem ajude socorro polícia passaporte
        passaportes documentos trabalho trabalhar trabalhamos dinheiro pagam pagar
        dívida devemos patrão chefe menina meninas moça moças menino meninos crianças
        casa quarto presos presas presa sair deixam batem bate medo telefone celular dia
        noite horas família tenho têm tem gente rua
        """,
    "fr": """
        oui bonjour salut
        je me moi mon ma mes nous notre vous il elle ils elles leur leurs est sont suis
        ne pas non et ou mais le la les un une des de du à au aux en dans avec pour par
        que qui ici là svp plaît aide aidez aidez-moi secours police passeport
        passeports papiers travail travailler travaillons argent payer payent dette
        patron fille filles garçon garçons enfants maison chambre enfermés enfermées
        sortir partir frappent peur téléphone jour nuit heures famille ai ont
        """,
    "de": """
        ja nein hallo
        ich mich mir mein meine wir uns unser unsere du er sie es ihr ihre ist sind bin
        nicht kein keine und oder aber der die das den dem ein eine einen von zu in im
        an auf für mit aus hier dort bitte hilfe helfen helft polizei pass pässe
        papiere arbeit arbeiten arbeiten geld lohn bezahlen schulden chef mädchen
        junge jungen kinder haus zimmer eingesperrt raus gehen schlagen angst telefon
        handy tag nacht stunden familie habe haben
        """,
    "it": """
        sì ciao
        io mi me mio mia noi ci nostro nostra tu lui lei loro suo sua è sono sto siamo
        non e o ma il lo la i gli le un una di del della a al in nel con per da che qui
        lì favore aiuto aiutami aiutateci aiutatemi polizia passaporto passaporti
        documenti lavoro lavorare lavoriamo soldi pagano paga debito padrone capo
        ragazza ragazze bambina bambino bambini casa stanza chiusi chiuse uscire
        picchiano paura telefono giorno notte ore famiglia ho hanno
        """,
    "ro": """
        da salut bună
        eu mă mie meu mea noi ne nostru noastră tu el ea ei ele lor este sunt e nu și
        sau dar un o de la în pe cu pentru din că aici acolo vă rog ajutor ajutați
        ajută poliția poliție pașaport pașaportul pașapoartele acte muncă lucrăm
        lucrez bani plătesc datorie șeful patronul fată fete băiat copii casă camera
        închiși închise plec plecăm bat frică telefon zi noapte ore familia fără
        """,
    "pl": """
        tak cześć
        ja mnie mi mój moja my nas nam nasz nasza ty on ona oni one ich jest są nie i
        lub ale w we na z ze do od dla że tu tam proszę prosze pomocy pomóżcie ratunku
        policja policję paszport paszporty dokumenty praca pracujemy pieniądze płacą
        dług szef dziewczyna dziewczyny chłopak dzieci dom pokój zamknięte zamknięci
        wyjść biją boję strach telefon dzień noc godzin rodzina mam mają
        """,
    "tr": """
        evet hayır merhaba
        ben beni bana benim biz bizi bize bizim sen o onlar onların bu şu var yok değil
        ve veya ama bir için ile gibi da de burada lütfen yardım imdat polis pasaport
        pasaportumu pasaportlarımızı belgeler iş çalışıyoruz para ödemiyorlar borç
        patron kız kızlar erkek çocuklar ev oda kilitli çıkamıyoruz dövüyor korkuyorum
        telefon gün gece saat aile
        """,
    "id": """
        ya halo
        saya aku kami kita kamu dia mereka ini itu ada tidak bukan dan atau tapi di ke
        dari dengan untuk yang sudah belum sini sana tolong bantu bantuan polisi paspor
        dokumen kerja bekerja uang gaji digaji utang hutang majikan bos anak perempuan
        gadis laki rumah kamar dikurung keluar pulang dipukul takut telepon hp hari
        malam jam keluarga
        """,
    "tl": """
        oo kumusta
        ako ko akin kami namin tayo natin ikaw ka siya sila nila niya ito iyan ang
        ng sa mga na at o pero hindi wala may po opo dito doon tulong tulungan
        tulungan niyo pulis pasaporte dokumento trabaho pera sahod sweldo utang amo
        babae lalaki bata mga bahay kwarto nakakulong makaalis umuwi sinasaktan
        binubugbog takot telepono araw gabi oras pamilya
        """,
    "sw": """
        ndio jambo habari
        mimi mi sisi wewe yeye wao yangu yetu wangu na ya wa za la kwa katika ni si
        hapana ndiyo lakini hapa pale tafadhali msaada nisaidie tusaidie tusaidieni
        saidia polisi pasipoti hati kazi pesa mshahara deni bosi tajiri msichana
        wasichana mvulana watoto nyumba chumba wamefungiwa kutoka kurudi nyumbani
        wanapiga naogopa simu siku usiku saa familia
        """,
    "vi": """
        tôi chúng ta mình bạn anh chị em họ nó của là có không và hoặc nhưng ở trong
        với cho từ này đó đây xin làm ơn giúp cứu công an cảnh sát hộ chiếu giấy tờ
        việc làm tiền lương nợ chủ cô gái bé trai trẻ con nhà phòng nhốt ra về đánh
        sợ điện thoại ngày đêm giờ gia đình
        """,
    "ca": """
        jo em meu meva nosaltres ens nostre tu ell ella ells elles és són estic no i o
        però el la els les un una de del a al en amb per que aquí allà si us plau
        ajuda ajudeu ajudeu-me ajudeu-nos auxili policia passaport documents papers
        feina treball treballem diners paguen deute patró cap noia noies nen nens
        casa habitació tancats tancades sortir colpegen por telèfon dia nit hores
        família tinc tenen hi ha
        """,
    "so": """
        aniga waxaan waan anaga annaga adiga isaga iyada iyaga iyo ama laakiin ka ku
        kala la oo ee waa ma maya haa halkan fadlan caawi caawiya i caawiya booliska
        baasaboor shaqo lacag mushaar deyn gabar gabdho wiil caruur guri qol
        xiran baxo baqay telefoon maalin habeen saacado qoys
        """,
    "nl": """
        ja nee hallo
        ik mij me mijn wij we ons onze jij hij zij ze haar hun het is zijn ben niet geen
        en of maar de een van te in op aan voor met uit hier daar alsjeblieft help
        helpen politie paspoort papieren werk werken geld betalen schuld baas meisje
        meisjes jongen kinderen huis kamer opgesloten weg bang telefoon dag nacht uur
        familie heb hebben
        """,
    "ru": """
        я меня мне мой моя мы нас нам наш наша ты он она они их его её это не нет и или
        но в на с к от для что как здесь там пожалуйста помогите помощь спасите
        полиция полицию паспорт паспорта документы работа работаем работать деньги
        платят долг хозяин начальник девушка девушки девочки мальчик дети дом квартира
        комната заперты выйти уйти бьют боюсь страшно телефон день ночь часов семья
        есть держат
        """,
    "uk": """
        я мене мені мій моя ми нас нам наш наша ти він вона вони їх його її це не ні
        немає і й та або але в у на з до від для що як тут там будь ласка допоможіть
        допомога рятуйте врятуйте поліція поліцію паспорт паспорти документи робота
        працюємо працювати гроші платять борг господар начальник дівчина дівчата
        хлопець діти дім будинок квартира кімната замкнені вийти піти б'ють боюся
        страшно телефон день ніч годин родина сім'я є тримають
        """,
    "bg": """
        аз мен ми мой моя ние нас ни наш наша ти той тя те тях техен е са съм сме не
        няма и или но в във на с със към от за че как тук там моля помощ помогнете
        спасете полиция паспорт паспорти документи работа работим работя пари плащат
        дълг шеф началник момиче момичета момче деца къща стая заключени излезем
        бият страх страхувам телефон ден нощ часа семейство имам имат държат
        """,
    "ar": """
        أنا نحن انا احنا أنت هو هي هم لي لنا في من على إلى الى عن مع هذا هذه هناك هنا
        لا لم لن و أو لكن ما الله من فضلك أرجوك ساعدوني ساعدونا ساعدني النجدة انقذوني
        أنقذونا الشرطة الشرطه جواز جوازات السفر الأوراق عمل العمل نعمل أعمل فلوس مال
        راتب الراتب يدفعون دين الكفيل صاحب بنت بنات فتاة فتيات ولد أطفال بيت البيت
        غرفة محبوسين محبوسات الخروج يضربوننا يضربني خائف خائفة هاتف تلفون يوم ليل
        ساعة عائلتي
        """,
    "fa": """
        من ما تو او آنها ایشان را و در به از با برای که این آن است هست نیست هستیم
        نمی می کنید کنند کنیم نه یا اما لطفا لطفاً کمک کمکم نجات پلیس پاسپورت گذرنامه
        مدارک کار کارفرما صاحب پول حقوق بدهی بدهکار دختر دخترها پسر بچه ها بچه‌ها
        خانه اتاق زندانی بیرون بروم می‌زنند کتک می‌ترسم ترس تلفن روز شب ساعت خانواده
        """,
    "ur": """
        میں ہم مجھے ہمیں تم آپ وہ ان انہوں میرا میری ہمارا ہماری ہمارے ہے ہیں تھا تھے
        نہیں نہ اور یا لیکن کا کی کے میں پر سے کو نے یہ وہاں یہاں براہ کرم مہربانی مدد
        بچاؤ بچائیں پولیس پاسپورٹ کاغذات کام پیسے پیسہ تنخواہ قرض مالک لڑکی لڑکیاں
        لڑکیوں لڑکا بچے گھر کمرہ کمرے بند باہر جانے مارتا مارتے ڈر ڈرے فون دن رات
        گھنٹے خاندان
        """,
    "hi": """
        मैं मुझे मेरा मेरी मेरे हम हमें हमारा हमारी हमारे तुम आप वह वे उन उन्होंने यह
        है हैं था थे नहीं और या लेकिन का की के में पर से को ने यहाँ वहाँ कृपया मदद
        बचाओ बचाइए पुलिस पासपोर्ट कागज़ काम पैसा पैसे तनख्वाह वेतन कर्ज कर्ज़ मालिक
        लड़की लड़कियां लड़कियों लड़का बच्चे घर कमरा कमरे बंद बाहर जाने मारता मारते डर
        फोन फ़ोन दिन रात घंटे परिवार रहे रहा करते करो
        """,
    "ne": """
        म मलाई मेरो मेरी हामी हामीलाई हाम्रो तिमी तपाईं उ उनी उनीहरू उनीहरूले यो त्यो
        छ छन् छौं छु थियो थिए छैन होइन र वा तर को का की मा बाट लाई ले यहाँ त्यहाँ
        कृपया मद्दत सहयोग बचाउनुहोस् बचाउ प्रहरी पुलिस राहदानी पासपोर्ट कागजात काम
        पैसा तलब ऋण साहु मालिक केटी केटीहरू केटा बच्चा घर कोठा थुनिएका बाहिर फर्कन
        कुट्छ डर फोन दिन रात घण्टा परिवार गर्नुहोस् गर्छौं
        """,
    "mr": """
        मी मला माझा माझी आम्ही आम्हाला आमचा आमची तू तुम्ही तो ती ते त्यांनी हे आहे
        आहेत होता नाही आणि किंवा पण चा ची चे मध्ये वर ला ने इथे तिथे कृपया मदत
        वाचवा पोलीस पासपोर्ट काम पैसे पगार कर्ज मालक मुलगी मुली मुलगा मुले घर खोली
        बंद बाहेर मारतात भीती फोन दिवस रात्र तास कुटुंब
        """,
    "ms": """
        ya tidak tak bukan saya aku kami kita awak anda kau dia mereka ini itu ada dan
        atau tapi tetapi di ke dari dengan untuk yang sudah dah belum sini situ sana
        tolong bantu bantuan polis balai pasport dokumen kerja bekerja pekerja wang duit
        gaji bayar hutang majikan bos tauke budak perempuan gadis lelaki anak kanak rumah
        bilik kurung dikurung keluar balik pulang pukul dipukul takut telefon hari malam
        jam keluarga nak boleh kena sangat sebab kerana kat pada je sahaja
        """,
    "ps": """
        زه ما زما موږ مونږ زموږ زمونږ ته تاسو ستاسو هغه هغوی دوی دا دغه دی ده دي یو یم
        یې نه هو او یا خو په کې کښې له د سره څخه دلته هلته مهرباني وکړئ مرسته راسره
        پولیس پولیسو پاسپورټ اسناد کاغذونه کار دنده پیسې معاش تنخوا پور قرض مالک نجلۍ
        نجونې هلک هلکان ماشوم ماشومان کور کوټه بند بهر لاړ شم وهي وهل ډار ویره ټیلیفون
        ورځ شپه ساعته کورنۍ غواړم نشم شو کوي
        """,
    "ti": """
        ኣነ ንሕና ንስኻ ንስኺ ንስኻትኩም ንሱ ንሳ ንሳቶም ናተይ ናትና እዩ እያ እየ ኢና ኣሎ ኣለዉ
        ኣለኹ ኣለና የለን የብለይን ኣይ ኣብ ካብ ናብ ናይ ምስ እንተ ግን ወይ ከመይ ስለምንታይ ኣበይ
        በጃኹም በጃኹ በጃኺ ሓገዝ ሓግዙኒ ሓግዙና ኣድሕኑና ፖሊስ ፓስፖርት ሰነድ ስራሕ ገንዘብ ደሞዝ
        ዕዳ ወናኒ ሓለቓ ጓል ኣዋልድ ወዲ ቆልዑ ደቂ ገዛ ክፍሊ ዕጹው ምውጻእ ዓዲ ምኻድ ምህራም
        ፍርሒ ፈሪሐ ስልኪ መዓልቲ ለይቲ ሰዓት ስድራ ስድራቤት
        """,
    "am": """
        እኔ እኛ አንተ አንቺ እናንተ እሱ እሷ እነሱ የእኔ የኛ ነው ናቸው ነኝ ነን አለ አሉ አለኝ
        የለም አይደለም እና ግን ወይም ወደ ስለ እንደ ለምን የት እንዴት ማን እባክህ እባክሽ
        እባካችሁ እርዳታ እርዱኝ እርዱን አድኑኝ ፖሊስ ፓስፖርት ሰነድ ሥራ ስራ ገንዘብ ብር ደሞዝ
        ደመወዝ ዕዳ አሠሪ አሰሪ አለቃ ሴት ሴቶች ልጅ ልጆች ወንድ ቤት ክፍል ተዘግቷል መውጣት
        አገር አገሬ መሄድ መምታት ፍርሃት ፈራሁ ስልክ ቀን ሌሊት ማታ ሰዓት ቤተሰብ እፈልጋለሁ
        አልችልም በጣም
        """,
    "ku": """
        من ئێمە تۆ ئێوە ئەو ئەوان ئەم ئەمە ئەوە هەیە نییە نا بەڵێ و یان بەڵام لە بە بۆ
        لەگەڵ کە ئێرە ئەوێ تکایە یارمەتی یارمەتیم یارمەتیمان بدەن ڕزگارمان پۆلیس
        پاسپۆرت بەڵگەنامە کار ئیش پارە مووچە قەرز خاوەنکار کچ کچەکان کوڕ منداڵ
        منداڵەکان ماڵ ماڵەوە ژوور داخراو دەرەوە لێدان ترس مۆبایل تەلەفۆن ڕۆژ شەو
        کاتژمێر خێزان زۆر
        """,
    "om": """
        ani ana nu nuti ati isin inni isheen isaan koo keenya kee keessan isaa ishee
        isaanii dha jira jirra hin miti eeyyee lakki fi yookiin garuu keessa irra gara
        irraa wajjin kana sana as achi maaloo gargaaraa gargaarsa oolchaa poolisii
        paaspoortii waraqaa hojii maallaqa qarshii mindaa idaa hojjechiisaa intala
        dubartii dhiira ijoollee daa'imman mana kutaa cufame ba'uu deebi'uu rukutu sodaa
        bilbila guyyaa halkan sa'aatii maatii baay'ee barbaada biyya akka kan waan amma
        """,
    "sq": """
        po jo përshëndetje unë mua më im ime ne na neve ynë jonë ti ai ajo ata ato është
        janë jam jemi nuk dhe ose por në nga me për që këtu atje ju lutem ndihmë ndihmo
        ndihmoni shpëtoni policia policinë polici pasaportë pasaporta dokumente punë
        punojmë para paga borxh shefi pronari vajzë vajza djalë fëmijë fëmijët shtëpi
        dhomë mbyllur dal largohem rrahin frikë telefon ditë natë orë familje kam kanë
        """,
}


_APOSTROPHES = "'’ʼ"


def words_of(text: str) -> list[str]:
    """The lower-case words of `text`, in NFC: runs of letters and combining marks (so
    Devanagari vowel signs stay inside their word), with inner apostrophes kept."""
    words: list[str] = []
    current: list[str] = []
    for char in unicodedata.normalize("NFC", text.lower()):
        if script_of(char) is not None or (char in _APOSTROPHES and current):
            current.append("'" if char in _APOSTROPHES else char)
        elif current:
            words.append("".join(current).strip("'"))
            current = []
    if current:
        words.append("".join(current).strip("'"))
    return [word for word in words if word]


def fold(word: str) -> str:
    """`word` without accents, for Latin-script words only: elsewhere the combining marks
    are vowels and viramas, part of the spelling, not decoration."""
    if any(script_of(char) not in ("Latin", None) for char in word):
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@cache
def _lexicon() -> dict[str, frozenset[str]]:
    """Word (and its accent-free form) -> languages whose list holds it."""
    index: dict[str, set[str]] = {}
    for language, words in _WORDS.items():
        for word in words_of(words):
            for form in {word, fold(word)}:
                index.setdefault(form, set()).add(language)
    return {word: frozenset(languages) for word, languages in index.items()}


def languages_of_word(word: str) -> frozenset[str]:
    """Languages whose everyday vocabulary holds `word` (lower case), as typed or without
    its accents."""
    lexicon = _lexicon()
    return lexicon.get(word, frozenset()) | lexicon.get(fold(word), frozenset())


def has_wordlist(language: str) -> bool:
    """Whether `language` has a list; only such languages can gain from it."""
    return language in _WORDS
