-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "DatasetStatus" AS ENUM ('importing', 'ready', 'failed');

-- CreateEnum
CREATE TYPE "SplitName" AS ENUM ('train', 'valid', 'test');

-- CreateTable
CREATE TABLE "Dataset" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "DatasetStatus" NOT NULL DEFAULT 'importing',
    "sourceKind" TEXT NOT NULL,
    "sourceUrl" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetFile" (
    "id" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "blobKey" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "format" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatasetFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SkippedFile" (
    "id" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SkippedFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetTextFile" (
    "datasetId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "DatasetTextFile_pkey" PRIMARY KEY ("datasetId","path")
);

-- CreateTable
CREATE TABLE "ImportTask" (
    "id" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "source" TEXT,
    "fileName" TEXT,
    "sha256" TEXT,
    "done" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ImportTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetVersion" (
    "id" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "labelling" JSONB NOT NULL,
    "split" JSONB NOT NULL,
    "classes" TEXT[],
    "counts" JSONB NOT NULL,
    "unlabelled" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatasetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetVersionItem" (
    "versionId" UUID NOT NULL,
    "fileId" UUID NOT NULL,
    "labels" TEXT[],
    "split" "SplitName" NOT NULL,

    CONSTRAINT "DatasetVersionItem_pkey" PRIMARY KEY ("versionId","fileId")
);

-- CreateTable
CREATE TABLE "Blob" (
    "key" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "contentType" TEXT NOT NULL,
    "chunkCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Blob_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "BlobChunk" (
    "blobKey" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "BlobChunk_pkey" PRIMARY KEY ("blobKey","index")
);

-- CreateTable
CREATE TABLE "UrlCache" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "blobKey" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UrlCache_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DatasetFile_sha256_idx" ON "DatasetFile"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "DatasetFile_datasetId_path_key" ON "DatasetFile"("datasetId", "path");

-- CreateIndex
CREATE INDEX "SkippedFile_datasetId_idx" ON "SkippedFile"("datasetId");

-- CreateIndex
CREATE INDEX "ImportTask_datasetId_idx" ON "ImportTask"("datasetId");

-- CreateIndex
CREATE UNIQUE INDEX "DatasetVersion_datasetId_number_key" ON "DatasetVersion"("datasetId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "UrlCache_url_sha256_key" ON "UrlCache"("url", "sha256");

-- AddForeignKey
ALTER TABLE "DatasetFile" ADD CONSTRAINT "DatasetFile_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SkippedFile" ADD CONSTRAINT "SkippedFile_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetTextFile" ADD CONSTRAINT "DatasetTextFile_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportTask" ADD CONSTRAINT "ImportTask_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetVersion" ADD CONSTRAINT "DatasetVersion_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetVersionItem" ADD CONSTRAINT "DatasetVersionItem_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "DatasetVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetVersionItem" ADD CONSTRAINT "DatasetVersionItem_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "DatasetFile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BlobChunk" ADD CONSTRAINT "BlobChunk_blobKey_fkey" FOREIGN KEY ("blobKey") REFERENCES "Blob"("key") ON DELETE CASCADE ON UPDATE CASCADE;

