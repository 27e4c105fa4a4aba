-- CreateTable
CREATE TABLE "StageInterpretation" (
    "stageId" UUID NOT NULL,
    "classes" TEXT[],
    "fileIds" TEXT[],
    "targets" INTEGER[],
    "preds" INTEGER[],
    "losses" DOUBLE PRECISION[],
    "probs" BYTEA NOT NULL,
    "confusion" JSONB NOT NULL,
    "perClass" JSONB NOT NULL,
    "errorRate" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StageInterpretation_pkey" PRIMARY KEY ("stageId")
);

-- CreateTable
CREATE TABLE "StageExport" (
    "stageId" UUID NOT NULL,
    "files" JSONB NOT NULL,
    "bytes" BIGINT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StageExport_pkey" PRIMARY KEY ("stageId")
);

-- CreateTable
CREATE TABLE "UploadedBackbone" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "files" JSONB NOT NULL,
    "bytes" BIGINT NOT NULL,
    "inputShape" JSONB NOT NULL,
    "normalization" JSONB NOT NULL,
    "cutLayer" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UploadedBackbone_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "StageInterpretation" ADD CONSTRAINT "StageInterpretation_stageId_fkey" FOREIGN KEY ("stageId") REFERENCES "Stage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StageExport" ADD CONSTRAINT "StageExport_stageId_fkey" FOREIGN KEY ("stageId") REFERENCES "Stage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

