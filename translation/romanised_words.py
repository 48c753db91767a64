"""Everyday words of languages as people type them in Latin letters.

Hinglish, Roman Urdu, Arabizi, Finglish, Russian translit, Greeklish and pinyin have no
n-gram profile anywhere offline, and their spelling is not standard ("nahi", "nahin",
"nhi"); what they do have is a small set of words that nearly every sentence uses. Each
list is written like the native ones in `wordlists`: (1) the most frequent function
words (pronouns, postpositions, negation, "is", "please"), with the usual spellings, and
(2) the same fixed concepts reports are made of (help / save us, police, passport,
documents, work, money, pay, debt, boss, girl(s), boy, children, house, room, locked,
leave, go home, hit, afraid, phone, day, night, hours, family), as a dictionary gives
them, plus a few of the commonest inflections. English loans that people type as-is
("passport", "police") are listed where they are the everyday word.

Hindi and Urdu share one spoken language and, in Latin letters, one spelling: their
shared list is the same list, and only a few words lean one way (`LEANING`), which is
why the locale decides between them.
"""

from __future__ import annotations

_HINDUSTANI = """
    main mai mein me mujhe mujhko mujhay muje mjhe mera meri mere hum ham hame hamein
    humein humko hamko hamara hamari hamare humara humari humare tum tumhe tumko tera teri
    aap ap apka apki apke aapka aapki woh wo vo voh unhe unko unka unki unke unhone usne
    uska uski uske use usko ye yeh yah iska iski inhe inko hai hain hay hoon hun hu tha
    thi the nahi nahin nai nhi na mat aur ya lekin magar par pe ka ki ke ko se ne tak
    liye yahan yaha idhar wahan waha udhar kya kyun kyon kaise kahan kab kaun koi kuch
    sab sabko bahut bohot bhi toh sirf abhi jaldi plz madad bachao bachalo bachaiye
    police pulis passport kagaz kaghaz kaam naukri paisa paise paisay tankhwah tankha
    salary karz karza udhaar malik maalik seth sahab saab ladki ladkiyan ladkiyon ladka
    larka bacha bache bachche bachon ghar kamra kamre kamray band bahar nikalne nikalo
    jane jaane jana jaana wapas maarte marte maarta marta maarti maar pitai dar darr
    lagta lagti phone din roz raat ghante ghanta ghanton parivar pariwar gharwale karo
    karte karta karti kiya kar dete deta deti diya diye liya liye rakha rakhe rakhte
    gaye gaya gayi phas phans fas fase raha rahe rahi sakte sakta sakti chahiye chahta
    mila mili milta milti log logon dalal
"""

_PUNJABI = """
    main mainu menu sanu asi assi tusi tussi tuhanu tenu tu oh ohna onha ehna sada sadi
    sade tuhada tuhadi mera meri mere da di de nu ne ton vich wich te nal kol hai ae aa
    si san haan nahi nai na ki kithe kiven kado kaun koi kujh sab bahut bohat vi hun
    jaldi madad bachao bachalo police passport kagaz kamm naukri paise paisa tankhah
    salary karza malik kudi kuri kudiyan kuriyan munda munde bache bachche ghar kamra
    kamre band bahar jana jaan wapas maarde marde kutt dar darr lagda lagdi phone din
    raat ghante parivar tabbar karo karde karda kardi kita dita dinde dende laindi
    lainde rakhya rakhi gaye gya sakde chahida veer bhra bhaji ji
"""

_BENGALI = """
    ami amar amake amay amra amader tumi tomar tomake apni apnar apnake tar take tara
    tader tini uni eta oita ei oi ache achi acho achhe nai nei kintu ba keno kothay
    kemon kokhon kono sob onek khub ekhane okhane shudhu ekhon taratari doya sahajjo
    shahajjo sahajyo bachao bachan police pulish passport kagoj kagojpotro kaj kaaj
    chakri taka poisa beton mayna rin malik maalik meye meyera meyeder chele baccha
    bacchara bari ghor ghore tala bondho bondi baire jete jabo ferot mare marche marte
    bhoy bhoi phone din raat rat ghonta poribar kore korche koren korun korte korbo dey
    dicche deya diye niye nilo neya rekhe geche gelo atke parchi parbo pari chai
"""

_NEPALI = """
    ma malai mero meri mera hami hamilai hamro hamra timi timilai timro tapai tapain
    tapailai uni unlai usko uniharu yo tyo yaha tyaha cha chha xa chan chhan xan chu chhu
    chaina chhaina xaina thiyo hoina ra ani tara ko ka bata lai le sanga kina kaha
    kasari kun kohi kehi sabai dherai pani matra aile chadai kripaya sahayog sahayata
    madat maddat bachau bachaunu bachaunus prahari police passport rahadani kagaj
    kagajpatra kaam jagir paisa talab tallab rin karja sahu sau malik keti ketiharu keta
    bachha ghar kotha thuniyeko thunieko band bahira farkana farkina janu jana kutcha
    kutchha pitcha dar lagyo lagcha phone din raat rati ghanta pariwar pariwaar garnus
    garnu garnuhos garchu garcha gareko garera dinu diyena dinna dieko diyeko linu
    lageko rakheko parcha sakdina sakchu chahanchu didi bahini dai bhai
"""

_ARABIZI = """
    ana ani enta enti inta inti ente ehna e7na i7na 7na nehna ni7na howa huwa hiya homma
    hum ba ma mesh msh mish mush la laa le leh lesh ma3 m3a ma3a fi fe fih men min mn
    3ala 3la 3al 3an w wa aw bas walla wallah wallahi wlh yalla inshallah allah el al il
    ya3ni 3ayez 3ayza 3awez 3awza biddi bidi bade beddi 3ndi 3andi 3indi 3endi floos
    flous fulus masari mas2ari mortab ma3ash rateb shoghl shogl shughl 5edma khedma 3amal
    passport basbor basbour jawaz gawaz wara2 awra2 kafeel kafil madam bet beit bait
    bayt ghorfa ghurfa oda 2oda ma7boos ma7bus m2afel ma2fool msaker darab darabni
    yedrabni daraboni khayef khayfa 5ayef 5ayfa 5of khof tele mobile tilifon youm yom
    yawm kol leil lail leila sa3a sa3at 3eila ahli ahl 3ayla bint banat walad wlad awlad
    atfal 3yal sa3edni sa3dni sa3idni sa3ed sa3dooni sa3idouna el7a2ni il7a2ni ilha2ni
    shorta shurta bolis arga3 arja3 erja3 rou7 aro7 arou7 ro7 baladi beladi masr mafi
    mafee mafish 7ad 7ada 7aga 7aja shi shay eh ish 2eh keda kda hek hayk kteer ktir awi
    2awi gedan jiddan 5alas khalas momken mumkin lazem lazim ba2a ta3ban ta3bana
"""

_FINGLISH = """
    man ma to shoma oo oon un anha ona unha ishan ro ra va dar tu too be az ba baraye
    bara ke ki in an hast hastam hastim nist nistam nistim bood bud ast mikonan mikonim
    mikonam mikone nemikonan nemitoonam nemitunam nemizaran nemidan nemide midan mide
    dadan lotfan khahesh komak komakam konid nejat bedin police polis pasport passport
    gozarname madarek kar kaar karfarma sahabkar sahab arbab pool pul hoghoogh hoghugh
    bedehi bedehkar ghachaghchi ghachaghbar dokhtar dokhtara dokhtarha pesar pesara
    bache bacheha khoone khune khaneh otagh otaq zendani zendan ghofl baste biroon birun
    beram beravam bargardam mizanan mizane kotak mitarsam tars telefon gushi rooz ruz
    shab saat khanevade khanevadam mikham mikhay kheili khaili kheyli koja chera chi
    alan majboor majbur gereftan gereft gerefte kardan kard karde daram dare darim
"""

_RUSSIAN = """
    ya menya mne moy moi moya my nas nam nash nasha ty tebya on ona oni ih ikh ego eyo
    eto ne net nyet da i ili no v vo na s so k ot dlya chto shto kak gde zdes tut tam
    pozhaluysta pozhalujsta pozhalusta pojaluista pomogite pomogi pomosch pomoshch
    pomosh spasite spasi policiya politsiya policiyu politsiyu policii pasport pasporta
    pasporty dokumenty rabota rabotaem rabotat rabotayu raboty dengi deneg zarplata
    zarplatu platyat dolg hozyain khozyain nachalnik devushka devushki devushek devochki
    malchik deti detey dom doma domoy kvartira kvartiry komnata komnate zaperli zaperty
    zakryli vyjti vyiti uyti otpuskayut byut boyus strashno telefon den noch chasov chasa
    semya sem'ya zabrali otobrali derzhat obmanuli hochu khochu mozhno nelzya uzhe ochen
"""

_UKRAINIAN = """
    ya mene meni miy moya moye my nas nam nash nasha ty tebe vin vona vony yikh yih
    yoho tse ne ni nemaye nema i y ta abo ale v u na z iz do vid dlya shcho scho shcho
    shho yak de tut tam bud laska dopomozhit dopomozhy dopomoha ryatuyte vryatuyte
    politsiya policiya politsiyu pasport pasporty dokumenty robota pratsyuyemo
    pratsyuvaty hroshi groshi zarplatu zarplata platyat borh borg hospodar gospodar
    nachalnyk divchyna divchata khlopets dity ditey dim budynok dodomu kvartyra
    kvartyry kimnata kimnati zamknuly zamkneni vyity vyjty piti byut boyusya strashno
    telefon den nich hodyn godyn rodyna sim'ya simya zabraly trymayut khochu hochu mozhna
    duzhe vzhe
"""

_BULGARIAN = """
    az men mene mi moy moya moe nie nas ni nash nasha ti tebe toy tya te tyah e sa sam
    sme ne nyama i ili no v vav na s sas kam ot za che kak kade tuk tam molya pomosht
    pomogni pomognete spasete politsiya politsiyata pasport pasporti dokumenti rabota
    rabotim rabotya pari zaplata plashtat dalg dulg shef nachalnik momiche momicheta
    momche detsa deca kashta kushta staya zaklyucheni zaklucheni zatvoreni izlezem
    izlizam biyat byat strah strahuvam telefon den nosht chasa semeystvo semejstvo imam
    imat darzhat durzhat vzeha vzeli iskam mnogo veche
"""

_GREEKLISH = """
    egw ego eimai eimaste emeis emena mou mas esy esu eseis sou sas autos aftos afti
    auti tous einai ine den dn oxi ohi nai kai ke o to ta ton tin tis sto sti stin apo
    me gia oti pou edw edo ekei parakalw parakalo voitheia voithia voh8eia vo8eia vo8ia
    boitheia sosteme astynomia astinomia diavatirio diavatiria xartia eggrafa douleia
    doulia douleuoume doulevoume douleuw lefta plirwnoun plironoun xreos afentiko
    afentikos koritsi koritsia agori paidia pedia spiti dwmatio domatio kleidomenes
    kleidomenoi kleismenoi fygw figo vgw vgo fevgw xtypane xtipane xtypaei xtypoun
    fovamai fovame fovos kinito tilefwno tilefono mera meres nyxta nixta wres ores
    oikogeneia oikogenia ikogenia thelw thelo 8elw mporw boro borw pame paw pao poli
    poly tora
"""

_AMHARIC = """
    ene ine egna enya ante anchi enante esu isu esua isua enesu yene yegna new nachew
    negn nen alle ale allu yelem aydelem ena gin weym wede ye sile ende lemin min yet
    endet man ebakih ebakish ebakachihu ebakachu erdugn erdugnu irdugn erdata irdata
    erdun adnugn polis fetno pasport sened wereqet sera sira genzeb birr demoz demewez
    ida asaderi aseri alaqa set setoch lij lijoch wend bet kifil zega mewtat mehed
    memeles meta fera ferahu silk qen ken lelit mata seat saat beteseb hager agere
    efelgalehu ifelgalehu alchilm betam
"""

_PINYIN = """
    wo ni ta women nimen tamen wode nide tade de le ma ne ba shi bu mei you zai he gen
    gei dui hen tai zhe na zhege nage zheli nali qing qingwen bang bangbang bangzhu jiu
    jiuming ming baojing jingcha gongan huzhao zhengjian gongzuo dagong qian gongzi
    xinshui qianzhai laoban jingli nvhai nuhai guniang nanhai haizi xiaohai jia fangzi
    fangjian guan suo likai huijia hui da haipa pa dianhua shouji tian meitian wanshang
    yewan xiaoshi jiaren xiexie kuai kuaidian mashang bie buyao meiyou
"""

# Tag -> everyday words typed in Latin letters.
ROMANISED_WORDS: dict[str, str] = {
    "hi-Latn": _HINDUSTANI,
    "ur-Latn": _HINDUSTANI,
    "pa-Latn": _PUNJABI,
    "bn-Latn": _BENGALI,
    "ne-Latn": _NEPALI,
    "ar-Latn": _ARABIZI,
    "fa-Latn": _FINGLISH,
    "ru-Latn": _RUSSIAN,
    "uk-Latn": _UKRAINIAN,
    "bg-Latn": _BULGARIAN,
    "el-Latn": _GREEKLISH,
    "am-Latn": _AMHARIC,
    "zh-Latn": _PINYIN,
}

# Words that lean to one side of a shared list: formal or religious vocabulary and the
# spellings each side's schools teach (Urdu ڑ as "r", Hindi ड़ as "d"). Half a word's
# weight: people mix them freely.
LEANING: dict[str, str] = {
    "hi-Latn": """
        kripya kripaya dhanyavad dhanyawad bhagwan bhagvan sahayata sahayta vetan ladki
        ladkiyan ladkiyon bhaiya namaste hindustan bharat
    """,
    "ur-Latn": """
        meherbani mehrbani khuda allah janab qarz qarza larki larkiyan larkiyon bohat
        pareshan shukriya pakistan zaroor inshallah
    """,
}
